import dgram from 'node:dgram';
import {once} from 'node:events';
import test from 'ava';
import {Endpoint} from '../../source/transport/endpoint.js';
import type {Connection} from '../../source/transport/connection.js';
import {isTornetError} from '../../source/errors.js';
import {identityWithRank} from '../helpers/identities.js';
import {quiescent} from '../helpers/raw-peer.js';

async function pair(
	t: {teardown(fn: () => Promise<void>): void},
	options: {minRank?: number; clientRank?: number} = {},
) {
	const server = new Endpoint({
		identity: identityWithRank(2),
		host: '127.0.0.1',
		minRank: options.minRank,
	});
	const client = new Endpoint({
		identity: identityWithRank(options.clientRank ?? 0),
		host: '127.0.0.1',
	});
	t.teardown(async () => {
		await client.close();
		await server.close();
	});
	const {port} = await server.listen();
	await client.listen();
	return {
		server,
		client,
		serverAddress: {publicKey: server.identity.publicKey, host: '127.0.0.1', port},
	};
}

test('two endpoints on real UDP sockets complete a handshake and exchange datagrams', async (t) => {
	const {server, client, serverAddress} = await pair(t);
	const accepted = once(server, 'connection') as Promise<[Connection]>;
	const connection = await client.connect(serverAddress);
	const [inbound] = await accepted;
	t.deepEqual(connection.peer.id, server.identity.id);
	t.deepEqual(inbound.peer.id, client.identity.id);
	t.is(connection.peer.rank, server.identity.rank);

	const received = once(inbound, 'datagram') as Promise<[Buffer]>;
	connection.sendDatagram(Buffer.from('hello over tornet'));
	t.is((await received)[0].toString(), 'hello over tornet');

	const reply = once(connection, 'datagram') as Promise<[Buffer]>;
	inbound.sendDatagram(Buffer.from('and back'));
	t.is((await reply)[0].toString(), 'and back');
	t.is(
		await client.connect(serverAddress),
		connection,
		'a second connect reuses the open connection',
	);
});

test('a peer below the minimum rank is refused and the server keeps no state for it', async (t) => {
	const {server, client, serverAddress} = await pair(t, {minRank: 12, clientRank: 0});
	const error = await t.throwsAsync(client.connect(serverAddress));
	t.true(isTornetError(error, 'RANK_TOO_LOW'), String(error));
	t.regex(error.message, /requires rank 12/);
	t.true(server.stats.rankRejected >= 1);
	t.is(server.connectionCount, 0);
});

test('a wrong public key for the responder never completes a handshake', async (t) => {
	const {server, client, serverAddress} = await pair(t);
	const wrong = identityWithRank(0).publicKey;
	const error = await t.throwsAsync(client.connect({...serverAddress, publicKey: wrong}));
	t.true(isTornetError(error, 'HANDSHAKE_FAILED'));
	t.is(server.stats.handshakesAccepted, 0);
	t.true(server.stats.junkPackets > 0, 'initiations for another key look like junk to the server');
});

test('thousands of random datagrams are dropped and the endpoint still works', async (t) => {
	const {server, client, serverAddress} = await pair(t);
	const attacker = dgram.createSocket('udp4');
	t.teardown(() => attacker.close());
	let sent = 0;
	for (let i = 0; i < 5000; i++) {
		const size = 1 + Math.floor(Math.random() * 1400);
		const junk = Buffer.alloc(size);
		for (let j = 0; j < size; j++) junk[j] = Math.floor(Math.random() * 256);
		attacker.send(junk, serverAddress.port, '127.0.0.1');
		sent++;
		if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
	}

	await quiescent(() => server.stats.packetsIn);
	t.true(
		server.stats.junkPackets > 0.9 * sent,
		`${server.stats.junkPackets} of ${sent} counted as junk`,
	);
	t.is(server.connectionCount, 0);
	const connection = await client.connect(serverAddress);
	t.true(connection.isOpen);
});
