import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import test from 'ava';
import type {TornetNode} from '../../source/node/node.js';
import {seededRandom, startRelay, type PacketHook} from '../helpers/relay.js';
import {quiescent, until} from '../helpers/raw-peer.js';
import {testnet} from '../helpers/testnet.js';

type Teardown = {teardown(fn: () => Promise<void> | void): void};

/** Client node → relay → server node; `connection` is the client's, `inbound` the server's. */
async function throughRelay(t: Teardown, hook: PacketHook) {
	const {nodes} = await testnet(t, 2);
	const [client, server] = nodes;
	const relay = await startRelay({host: '127.0.0.1', port: server.port}, hook);
	t.teardown(async () => relay.close());
	const connection = await client.endpoint.connect({
		publicKey: server.identity.publicKey,
		host: '127.0.0.1',
		port: relay.port,
	});
	client.rpc.attach(connection);
	// The server answered before the client finished, so its connection exists by now. When a lost
	// response made the client retry, earlier server connections were replaced: take the open one.
	const open = server.endpoint.connections().filter((candidate) => candidate.isOpen);
	if (open.length !== 1) throw new Error(`expected one open server connection, not ${open.length}`);
	return {client, server, relay, connection, inbound: open[0]};
}

/** `echo` answers with its body and counts how often it ran. */
function registerEcho(server: TornetNode) {
	const calls = {count: 0};
	server.rpc.register('echo', (body) => {
		calls.count++;
		return body;
	});
	return calls;
}

async function settle(ms = 150) {
	await new Promise((resolve) => setTimeout(resolve, ms));
}

test('every packet duplicated: replays are counted and each result arrives exactly once', async (t) => {
	const {client, server, connection, inbound} = await throughRelay(t, () => ({duplicate: 1}));
	const calls = registerEcho(server);
	const bodies = Array.from({length: 20}, () => randomBytes(40));
	const results = await Promise.all(
		bodies.map(async (body) => client.rpc.request(connection, 'echo', body)),
	);
	for (const [i, result] of results.entries()) t.deepEqual(result, bodies[i]);
	await settle();
	t.is(calls.count, bodies.length, 'no handler ran twice');
	t.is(server.rpc.stats.requestsServed, bodies.length);
	t.is(client.rpc.stats.responsesReceived, bodies.length);
	t.true(inbound.stats.rejectedPackets >= bodies.length, `${inbound.stats.rejectedPackets}`);
	t.true(connection.stats.rejectedPackets >= bodies.length, `${connection.stats.rejectedPackets}`);
	t.is(server.endpoint.stats.replayedInitiations, 1, 'the duplicated initiation was refused');
	t.is(server.endpoint.connectionCount, 1);
});

test('corrupted packets are never delivered; requests still succeed through retries', async (t) => {
	// Every third packet in each direction is corrupted, and so are the first initiation and the
	// first response: the handshake must survive both.
	const seen = {forward: 0, back: 0};
	const corrupted = {forward: 0, back: 0};
	const {client, server, connection, inbound} = await throughRelay(t, (_packet, direction) => {
		const n = seen[direction]++;
		const corrupt = n === 0 || n % 3 === 2;
		if (corrupt) corrupted[direction]++;
		return {corrupt};
	});
	t.true(client.endpoint.stats.handshakesAccepted === 1, 'the handshake survived a bad initiation');
	const calls = registerEcho(server);
	const count = 10;
	for (let i = 0; i < count; i++) {
		const body = randomBytes(100 + i);
		// Sequential, so the corruption pattern hits requests and responses alike.
		const result = await client.rpc.request(connection, 'echo', body, {timeoutMs: 100, retries: 4});
		t.deepEqual(result, body);
	}

	t.true(calls.count >= count);
	t.true(corrupted.forward > 3 && corrupted.back > 3);
	t.is(client.rpc.stats.responsesReceived, count, 'each request resolved exactly once');
	t.is(server.rpc.stats.badMessages + client.rpc.stats.badMessages, 0, 'no garbage got through');
	const serverDropped = inbound.stats.rejectedPackets + server.endpoint.stats.junkPackets;
	t.true(serverDropped >= corrupted.forward, `${serverDropped} < ${corrupted.forward}`);
	const clientDropped =
		connection.stats.rejectedPackets +
		client.endpoint.stats.junkPackets +
		client.endpoint.stats.handshakesRejected;
	t.true(clientDropped >= corrupted.back, `${clientDropped} < ${corrupted.back}`);
});

test('reordered packets are all accepted, none as a replay', async (t) => {
	const random = seededRandom(7);
	// Handshake packets pass straight through; after that every packet is delayed 0–40 ms.
	let armed = false;
	const {client, server, connection, inbound} = await throughRelay(t, () =>
		armed ? {delayMs: Math.floor(random() * 40)} : undefined,
	);
	armed = true;
	const calls = registerEcho(server);
	const bodies = Array.from({length: 40}, (_, i) => Buffer.from(`request ${i}`));
	const results = await Promise.all(
		bodies.map(async (body) => client.rpc.request(connection, 'echo', body, {timeoutMs: 2000})),
	);
	for (const [i, result] of results.entries()) t.deepEqual(result, bodies[i]);
	t.is(calls.count, bodies.length);
	t.is(inbound.stats.rejectedPackets, 0);
	t.is(connection.stats.rejectedPackets, 0);
});

test('a captured initiation replayed later creates no second connection and no answer', async (t) => {
	const {client, server, relay, connection} = await throughRelay(t, () => undefined);
	const initiation = relay.captured[0];
	let answers = 0;
	// Let the acknowledgement of the client's first packet land first: it is not an answer.
	await until(() => connection.stats.bytesInFlight === 0);
	await quiescent(() => connection.stats.packetsReceived, 100);
	const before = connection.stats.packetsReceived + connection.stats.rejectedPackets;
	relay.send(initiation);
	relay.send(initiation);
	await settle();
	t.is(server.endpoint.stats.replayedInitiations, 2);
	t.is(server.endpoint.connectionCount, 1);
	t.is(server.endpoint.stats.handshakesAccepted, 1);
	answers = connection.stats.packetsReceived + connection.stats.rejectedPackets - before;
	t.is(answers, 0, 'a replayed initiation gets no response');
	// The genuine connection is untouched by the replays.
	const result = await client.ping(
		`${server.identity.publicKey.toString('hex')}@127.0.0.1:${relay.port}`,
	);
	t.deepEqual(result.peer.id, server.identity.id);
});

test('captured data packets replayed are refused and run no handler again', async (t) => {
	const {client, server, relay, connection, inbound} = await throughRelay(t, () => undefined);
	const calls = registerEcho(server);
	for (let i = 0; i < 5; i++) await client.rpc.request(connection, 'echo', Buffer.from([i]));
	t.is(calls.count, 5);
	const dataPackets = relay.captured.slice(1);
	t.true(dataPackets.length >= 5);
	const rejectedBefore = inbound.stats.rejectedPackets;
	for (const packet of dataPackets) relay.send(packet);
	// Every replay is refused (an accepted one would never be counted here, and this would throw).
	await until(() => inbound.stats.rejectedPackets - rejectedBefore >= dataPackets.length);
	await settle();
	t.is(calls.count, 5, 'no replayed request reached the handler');
	t.is(inbound.stats.rejectedPackets - rejectedBefore, dataPackets.length);
	t.is(server.endpoint.stats.replayedInitiations, 0);
	t.deepEqual(
		await client.rpc.request(connection, 'echo', Buffer.from('after')),
		Buffer.from('after'),
	);
});

test('a connection follows its peer to a new address; a late packet does not move it back', async (t) => {
	let hold = false;
	const {client, server, relay, connection, inbound} = await throughRelay(
		t,
		(_packet, direction) => (hold && direction === 'forward' ? {delayMs: 300} : undefined),
	);
	const newPath = await startRelay({host: '127.0.0.1', port: server.port}, () => undefined);
	t.teardown(async () => newPath.close());
	registerEcho(server);
	await client.rpc.request(connection, 'echo', Buffer.from('old path'));
	t.is(inbound.port, relay.port);

	// One packet leaves by the old path and is held there, while the client moves (as a NAT
	// rebinding would look to the server) and talks over the new path.
	hold = true;
	connection.sendPing();
	connection.port = newPath.port;
	const answer = await client.rpc.request(connection, 'echo', Buffer.from('new path'));
	t.deepEqual(answer, Buffer.from('new path'));
	t.is(inbound.port, newPath.port, 'the server follows an authenticated packet');
	const received = inbound.stats.packetsReceived;
	await until(() => inbound.stats.packetsReceived > received);
	t.is(inbound.port, newPath.port, 'the late, older packet was accepted but did not move it');
	t.deepEqual(
		await client.rpc.request(connection, 'echo', Buffer.from('still')),
		Buffer.from('still'),
	);
});

test('closing an endpoint tells its peers: their connections close at once', async (t) => {
	const {client, inbound} = await throughRelay(t, () => undefined);
	await settle(50);
	const closed = once(inbound, 'close') as Promise<[Error | undefined]>;
	await client.close();
	const [error] = await closed;
	t.regex(String(error), /peer closed/);
});
