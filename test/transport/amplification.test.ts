import test from 'ava';
import {TornetError} from '../../source/errors.js';
import {Rpc} from '../../source/rpc/rpc.js';
import {registerPing, requestPing} from '../../source/rpc/ping.js';
import {Endpoint, type EndpointOptions} from '../../source/transport/endpoint.js';
import {COOKIE_REPLY_BYTES, openCookieReply} from '../../source/wire/cookie.js';
import {readResponse} from '../../source/wire/handshake.js';
import {identityWithRank} from '../helpers/identities.js';
import {initiationTo, quiescent, rawPeer, until} from '../helpers/raw-peer.js';

type Teardown = {teardown(fn: () => Promise<void> | void): void};

/** An endpoint that answers `ping`, as a node would. */
async function server(t: Teardown, options: Partial<EndpointOptions> = {}) {
	const endpoint = new Endpoint({identity: identityWithRank(1), host: '127.0.0.1', ...options});
	const rpc = new Rpc();
	registerPing(rpc);
	endpoint.on('connection', (connection) => {
		rpc.attach(connection);
	});
	t.teardown(async () => endpoint.close());
	const address = await endpoint.listen();
	return {endpoint, address, publicKey: endpoint.identity.publicKey};
}

test('each initiation gets at most one answer, never longer than itself', async (t) => {
	const {endpoint, address, publicKey} = await server(t);
	const raw = await rawPeer(t, address);
	const initiations = Array.from({length: 12}, () => initiationTo(publicKey));
	for (const initiation of initiations) raw.send(initiation.packet);
	await until(() => raw.counts.packetsReceived >= initiations.length);
	await quiescent(() => raw.counts.packetsReceived);
	t.is(raw.counts.packetsReceived, initiations.length);
	t.true(raw.counts.bytesReceived <= raw.counts.bytesSent);
	// Pair each answer with the initiation it completes: every one is a response, none is larger.
	for (const answer of raw.received) {
		const match = initiations.find(
			(initiation) => !(readResponse(answer, initiation.pending, 0) instanceof TornetError),
		);
		t.truthy(match, 'the answer is a response to one of our initiations');
		t.true(answer.length <= match!.packet.length, `${answer.length} > ${match!.packet.length}`);
	}

	// Nothing confirmed these connections: the server sends them nothing more than it received.
	t.is(endpoint.tableSizes().unconfirmed, initiations.length);
	for (const connection of endpoint.connections()) {
		t.false(connection.isConfirmed);
		t.true(connection.stats.bytesSent <= connection.stats.bytesReceived);
	}

	// A peer that initiates again replaces its unconfirmed connection; the count stays exact.
	for (const initiation of initiations.slice(0, 3))
		raw.send(initiationTo(publicKey, {identity: initiation.identity}).packet);
	await until(() => endpoint.stats.handshakesAccepted === initiations.length + 3);
	t.is(endpoint.connectionCount, initiations.length);
	t.is(endpoint.tableSizes().unconfirmed, initiations.length);
	t.is(endpoint.tableSizes().peers, initiations.length);
});

test('a replayed initiation, from its sender or a spoofed victim, gets no answer at all', async (t) => {
	const {endpoint, address, publicKey} = await server(t);
	const sender = await rawPeer(t, address);
	const victim = await rawPeer(t, address);
	const initiation = initiationTo(publicKey);
	sender.send(initiation.packet);
	await until(() => sender.counts.packetsReceived === 1);
	for (let i = 0; i < 5; i++) {
		sender.send(initiation.packet);
		victim.send(initiation.packet);
	}

	await until(() => endpoint.stats.replayedInitiations === 10);
	await quiescent(() => sender.counts.packetsReceived + victim.counts.packetsReceived);
	t.is(sender.counts.packetsReceived, 1);
	t.is(victim.counts.bytesReceived, 0);
	t.is(endpoint.connectionCount, 1);
});

test('a rank refusal is no larger than the initiation it refuses', async (t) => {
	const {endpoint, address, publicKey} = await server(t, {minRank: 16});
	const raw = await rawPeer(t, address);
	for (let i = 0; i < 10; i++) raw.send(initiationTo(publicKey).packet);
	await until(() => endpoint.stats.rankRejected === 10);
	await quiescent(() => raw.counts.packetsReceived);
	t.true(raw.counts.packetsReceived <= 10);
	t.true(raw.counts.bytesReceived <= raw.counts.bytesSent);
	t.is(endpoint.connectionCount, 0);
	t.is(endpoint.tableSizes().timestamps, 0, 'a refused peer leaves no trace');
});

test('under load the answer is a cookie no larger than the initiation, and no state', async (t) => {
	const {endpoint, address, publicKey} = await server(t, {handshakesPerSecond: 0});
	const raw = await rawPeer(t, address);
	const first = initiationTo(publicKey);
	raw.send(first.packet);
	await until(() => raw.counts.packetsReceived === 1);
	const [reply] = raw.received;
	t.true(reply.length >= COOKIE_REPLY_BYTES && reply.length <= first.packet.length);
	t.is(endpoint.stats.cookieRepliesSent, 1);
	t.is(endpoint.stats.handshakesAccepted, 0);
	t.deepEqual(endpoint.tableSizes(), {
		connections: 0,
		unconfirmed: 0,
		handshakes: 0,
		cookies: 0,
		peers: 0,
		timestamps: 0,
	});

	// With the cookie, the same peer gets through: mac2 proves it receives at its address.
	const cookie = openCookieReply(reply, publicKey, first.pending.mac1);
	t.truthy(cookie);
	const second = initiationTo(publicKey, {identity: first.identity, cookie});
	raw.send(second.packet);
	await until(() => raw.counts.packetsReceived === 2);
	t.false(readResponse(raw.received[1], second.pending, 0) instanceof TornetError);
	t.true(raw.received[1].length <= second.packet.length);
	t.is(endpoint.connectionCount, 1);

	// A cookie is bound to its address: another socket cannot use it.
	const thief = await rawPeer(t, address);
	const stolen = initiationTo(publicKey, {cookie});
	thief.send(stolen.packet);
	await until(() => thief.counts.packetsReceived === 1);
	t.truthy(openCookieReply(thief.received[0], publicKey, stolen.pending.mac1), 'another cookie');
	t.is(endpoint.connectionCount, 1);
	t.true(thief.counts.bytesReceived <= thief.counts.bytesSent);
});

test('a real client connects through the cookie round trip and pings', async (t) => {
	const {endpoint, address, publicKey} = await server(t, {handshakesPerSecond: 0});
	const client = new Endpoint({identity: identityWithRank(0), host: '127.0.0.1'});
	t.teardown(async () => client.close());
	await client.listen();
	const connection = await client.connect({publicKey, ...address});
	t.is(endpoint.stats.cookieRepliesSent, 1);
	t.is(endpoint.stats.handshakesAccepted, 1);
	const rpc = new Rpc();
	const result = await requestPing(rpc, connection);
	t.deepEqual(result.peer.id, endpoint.identity.id);
	t.is(result.observed.port, client.address().port);
	t.is(client.tableSizes().cookies, 1, 'the client keeps the cookie for its next handshake');
});
