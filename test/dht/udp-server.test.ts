import {randomBytes} from 'node:crypto';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {NONE} from '../../source/dht/id-table.js';
import {
	DHT_METHODS,
	decodeFindChunkReply,
	decodeFindNodeReply,
	encodeFindChunkRequest,
	encodeFindNodeReply,
	encodeFindNodeRequest,
} from '../../source/dht/messages.js';
import {DhtService} from '../../source/node/dht-service.js';
import {testnet} from '../helpers/testnet.js';

/** Two real nodes: `server` runs the DHT, `client` speaks raw RPC to it (and has a DHT of its own). */
async function pair(t: Parameters<typeof testnet>[0]) {
	const {nodes} = await testnet(t, 2);
	const [serverNode, clientNode] = nodes;
	const server = new DhtService(serverNode);
	const client = new DhtService(clientNode, {requestTimeoutMs: 1000});
	const connection = await clientNode.endpoint.connect({
		publicKey: serverNode.identity.publicKey,
		host: '127.0.0.1',
		port: serverNode.port,
	});
	return {serverNode, clientNode, server, client, connection};
}

/**
 * 20 contacts with IPv6 addresses (52 bytes each on the wire) in the server's routing table, each
 * in its own /48 (the table takes at most 2 a bucket from one block).
 */
function fillWithIpv6(server: DhtService): void {
	for (let i = 1; server.stats().contacts < 20; i++) {
		const index = server.book.admit({
			publicKey: randomBytes(32),
			host: `2001:db8:${i.toString(16)}::1`,
			port: 4000 + i,
			rank: 1,
		});
		server.node.heard(index);
	}
}

test('replies are trimmed to fit one datagram: 4 holders and 18 IPv6 contacts', async (t) => {
	const {serverNode, server, clientNode, connection} = await pair(t);
	fillWithIpv6(server);
	// A chunk id next to the server's own id: the server is the nearest node it knows, so it keeps
	// references for it.
	const chunkId = Buffer.from(serverNode.identity.id);
	chunkId[19] ^= 1;
	for (let i = 0; i < 4; i++) {
		const holder = server.book.admit({
			publicKey: randomBytes(32),
			host: `2001:db8:1::${i + 1}`,
			port: 5000 + i,
			rank: 1,
		});
		server.node.handleStoreReference(holder, chunkId);
	}

	const body = await clientNode.rpc.request(
		connection,
		DHT_METHODS.findChunk,
		encodeFindChunkRequest(chunkId, 20),
	);
	t.true(body.length <= connection.maxDatagramBytes - 5, `${body.length} bytes`);
	const reply = decodeFindChunkReply(body);
	if (isTornetError(reply)) return t.fail(reply.message);
	t.false(reply.held);
	t.is(reply.holders.length, 4);
	t.is(reply.contacts.length, 18, 'the two farthest contacts gave way');

	const nodes = decodeFindNodeReply(
		await clientNode.rpc.request(
			connection,
			DHT_METHODS.findNode,
			encodeFindNodeRequest(randomBytes(20), 20),
		),
	);
	if (isTornetError(nodes)) return t.fail(nodes.message);
	t.is(nodes.contacts.length, 20, '20 IPv6 contacts (1,041 bytes) fit');
});

test('a requester becomes a contact with its proven key and observed address', async (t) => {
	const {serverNode, clientNode, server, client} = await pair(t);
	await client.bootstrap([serverNode.address]);
	const index = server.book.indexOf(clientNode.identity.id);
	t.not(index, NONE);
	t.true(server.table.has(0, index), 'the server put the client in its routing table');
	const entry = server.book.entry(index)!;
	t.deepEqual(entry.publicKey, clientNode.identity.publicKey);
	t.is(entry.host, '127.0.0.1');
	t.is(entry.port, clientNode.port, 'the address the client sends from, which it listens on');
	t.is(entry.rank, clientNode.identity.rank);
});

test('malformed requests are refused with BAD_MESSAGE, and the server keeps serving', async (t) => {
	const {clientNode, connection} = await pair(t);
	const error = await t.throwsAsync(
		clientNode.rpc.request(connection, DHT_METHODS.findNode, randomBytes(7)),
	);
	t.true(isTornetError(error, 'BAD_MESSAGE'), String(error));
	const body = await clientNode.rpc.request(
		connection,
		DHT_METHODS.findNode,
		encodeFindNodeRequest(randomBytes(20), 5),
	);
	t.false(isTornetError(decodeFindNodeReply(body)));
});

test('a reply with more contacts than asked for is rejected, not admitted', async (t) => {
	const {serverNode, server, client} = await pair(t);
	fillWithIpv6(server);
	const all = server.closest(randomBytes(20));
	const flood = encodeFindNodeReply(all);
	serverNode.rpc.register(DHT_METHODS.findNode, () => flood);
	const to = client.book.admit(
		{
			publicKey: serverNode.identity.publicKey,
			host: '127.0.0.1',
			port: serverNode.port,
			rank: 0,
		},
		true,
	);
	const error = await t.throwsAsync(client.network.findNode(to, randomBytes(20), 5));
	t.true(isTornetError(error, 'BAD_MESSAGE'));
	t.is(client.book.indexOf(all[0].id), NONE);
});
