import test from 'ava';
import {parseAddress} from '../../source/identity/address.js';
import {MAX_UNCONFIRMED} from '../../source/transport/handshake-guard.js';
import {initiationTo, quiescent, rawPeer} from '../helpers/raw-peer.js';
import {startRelay} from '../helpers/relay.js';
import {testnet} from '../helpers/testnet.js';
import {fetchSha, publishRandom, scratch} from './hostile-fixture.js';

const SOCKETS = 40;
const PER_SOCKET = 30;

test('a handshake flood from many source ports leaves a node bounded and serving', async (t) => {
	const {nodes} = await testnet(t, 3, {bootstrap: 'first'});
	const directory = await scratch(t);
	const [server, honest] = nodes;
	const content = await publishRandom(server, directory, 300_000);
	const target = {host: '127.0.0.1', port: server.port};
	const peers = await Promise.all(Array.from({length: SOCKETS}, async () => rawPeer(t, target)));
	for (let round = 0; round < PER_SOCKET; round++) {
		for (const peer of peers) peer.send(initiationTo(server.identity.publicKey).packet);
		await new Promise((resolve) => setImmediate(resolve));
	}

	await quiescent(() => server.endpoint.stats.packetsIn);
	const sizes = server.endpoint.tableSizes();
	t.log(
		`${SOCKETS * PER_SOCKET} initiations: ${server.endpoint.stats.handshakesAccepted} accepted,`,
		`${server.endpoint.stats.cookieRepliesSent} cookie replies, ${sizes.connections} connections`,
	);
	// The honest nodes' own connections, plus at most the unconfirmed limit of flood.
	t.true(sizes.connections <= MAX_UNCONFIRMED + nodes.length, `${sizes.connections} connections`);
	t.true(sizes.unconfirmed <= MAX_UNCONFIRMED);
	for (const peer of peers) t.true(peer.counts.bytesReceived <= peer.counts.bytesSent);
	// While the table is full of flood, an honest node still fetches from the server.
	t.is(await fetchSha(honest, directory, content.link), content.sha256);
});

test('replayed packets are accepted once: no second handshake, request or state', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [server, client] = nodes;
	const relay = await startRelay({host: '127.0.0.1', port: server.port}, () => undefined);
	t.teardown(async () => relay.close());
	const {publicKey} = parseAddress(server.address);
	const through = {publicKey, host: '127.0.0.1', port: relay.port};
	for (let i = 0; i < 3; i++) await client.ping(through);
	await quiescent(() => server.endpoint.stats.packetsIn);
	const before = {
		handshakes: server.endpoint.stats.handshakesAccepted,
		served: server.rpc.stats.requestsServed,
		sizes: server.endpoint.tableSizes(),
		packetsIn: server.endpoint.stats.packetsIn,
	};
	const captured = [...relay.captured];
	t.true(captured.length >= 4, `${captured.length} packets captured`);

	// Replay everything the client sent, twice, from the relay's own address (the client's path).
	for (let copy = 0; copy < 2; copy++) for (const packet of captured) relay.send(packet);
	await quiescent(() => server.endpoint.stats.packetsIn);
	const arrived = server.endpoint.stats.packetsIn - before.packetsIn;
	t.true(arrived >= captured.length, `${arrived} replayed packets reached the server`);
	t.is(server.endpoint.stats.handshakesAccepted, before.handshakes, 'no handshake accepted twice');
	t.is(server.rpc.stats.requestsServed, before.served, 'no request served twice');
	t.deepEqual(server.endpoint.tableSizes(), before.sizes, 'no state grew');
	// The real session still works after the replay.
	const pong = await client.ping(through);
	t.deepEqual(pong.peer.id, server.identity.id);
});
