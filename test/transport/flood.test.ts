import test from 'ava';
import {Rpc} from '../../source/rpc/rpc.js';
import {registerPing, requestPing} from '../../source/rpc/ping.js';
import {Endpoint} from '../../source/transport/endpoint.js';
import {MAX_UNCONFIRMED} from '../../source/transport/handshake-guard.js';
import {identityWithRank} from '../helpers/identities.js';
import {initiationTo, quiescent, rawPeer} from '../helpers/raw-peer.js';

const SOCKETS = 50;
const PER_SOCKET = 40;

test('a flood of valid initiations from many ports keeps every table bounded', async (t) => {
	const server = new Endpoint({identity: identityWithRank(1), host: '127.0.0.1'});
	const serverRpc = new Rpc();
	registerPing(serverRpc);
	server.on('connection', (connection) => {
		serverRpc.attach(connection);
	});
	t.teardown(async () => server.close());
	const address = await server.listen();
	const {publicKey} = server.identity;

	// Every initiation is valid (right mac1, fresh identity, fresh timestamp): the flooder does
	// everything a peer would except answer cookies or confirm the handshake.
	const peers = await Promise.all(Array.from({length: SOCKETS}, async () => rawPeer(t, address)));
	const flood = async (perSocket: number) => {
		for (let round = 0; round < perSocket; round++) {
			for (const peer of peers) peer.send(initiationTo(publicKey).packet);
			await new Promise((resolve) => setImmediate(resolve));
		}

		await quiescent(() => server.stats.packetsIn);
	};

	const buffersBefore = process.memoryUsage().arrayBuffers;
	await flood(PER_SOCKET);
	const sent = SOCKETS * PER_SOCKET;
	const {stats} = server;
	t.log(
		`${stats.packetsIn} of ${sent} arrived: ${stats.handshakesAccepted} accepted,`,
		`${stats.cookieRepliesSent} cookie replies`,
	);
	t.true(stats.packetsIn > sent / 2, 'most of the flood reached the server');
	t.true(stats.cookieRepliesSent > 0, 'the server demanded cookies');
	t.true(stats.handshakesAccepted <= MAX_UNCONFIRMED);
	t.true(
		stats.handshakesAccepted + stats.cookieRepliesSent <= stats.packetsIn,
		'one answer per initiation at most',
	);
	const sizes = server.tableSizes();
	t.true(sizes.connections <= MAX_UNCONFIRMED, `${sizes.connections} connections`);
	t.true(sizes.unconfirmed <= MAX_UNCONFIRMED);
	t.true(sizes.timestamps <= sizes.connections, 'only accepted identities are remembered');
	t.true(sizes.peers <= sizes.connections);
	t.is(sizes.handshakes, 0);
	t.is(sizes.cookies, 0);
	// Unconfirmed connections hold no packet buffers yet (they were 128 KiB each: 32 MiB here).
	const bufferGrowth = process.memoryUsage().arrayBuffers - buffersBefore;
	t.true(bufferGrowth < 16 * 1024 * 1024, `${Math.round(bufferGrowth / 1024)} KiB of buffers`);
	for (const peer of peers) {
		t.true(peer.counts.packetsReceived <= peer.counts.packetsSent);
		t.true(peer.counts.bytesReceived <= peer.counts.bytesSent, 'no amplification under load');
	}

	// A second wave changes nothing: the tables are full of unconfirmed flood, not growing.
	await flood(10);
	const after = server.tableSizes();
	// (Unconfirmed connections expire after 10 s, so on a slow machine the second wave may take the
	// freed slots: the bound that matters is the table's, not the running total of handshakes.)
	t.true(after.connections <= MAX_UNCONFIRMED, `${after.connections} connections`);
	t.true(after.unconfirmed <= MAX_UNCONFIRMED);

	// A legitimate client answers the cookie, connects and is served.
	const client = new Endpoint({identity: identityWithRank(0), host: '127.0.0.1'});
	t.teardown(async () => client.close());
	await client.listen();
	const cookiesBefore = server.stats.cookieRepliesSent;
	const stillFull = server.tableSizes().unconfirmed >= MAX_UNCONFIRMED;
	const connection = await client.connect({publicKey, ...address});
	// On a slow machine the flood may have expired by now; while it holds the table, cookies are due.
	if (stillFull)
		t.true(server.stats.cookieRepliesSent > cookiesBefore, 'it went through the cookie round trip');
	const result = await requestPing(new Rpc(), connection);
	t.deepEqual(result.peer.id, server.identity.id);
	t.is(server.tableSizes().unconfirmed, after.unconfirmed, 'the client confirmed its connection');
});
