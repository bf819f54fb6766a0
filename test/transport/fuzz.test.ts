import dgram from 'node:dgram';
import test from 'ava';
import {mac, MAC_BYTES} from '../../source/wire/cookie.js';
import {
	MAX_HANDSHAKE_BYTES,
	MIN_INITIATION_BYTES,
	responderKeys,
} from '../../source/wire/handshake.js';
import {HEADER_BYTES, SAMPLE_BYTES} from '../../source/wire/header-protection.js';
import {seededRandom, startRelay} from '../helpers/relay.js';
import {quiescent, rawPeer} from '../helpers/raw-peer.js';
import {testnet} from '../helpers/testnet.js';

/** Seeded bytes, so a failing fuzz case can be replayed. */
function bytes(random: () => number, length: number): Buffer {
	const out = Buffer.alloc(length);
	for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
	return out;
}

/** Random bytes with a valid mac1 for `publicKey`: they pass the cheap check and reach Noise. */
function withMac1(body: Buffer, publicKey: Buffer): Buffer {
	const packet = Buffer.concat([body, Buffer.alloc(2 * MAC_BYTES)]);
	mac(
		packet.subarray(body.length, body.length + MAC_BYTES),
		responderKeys(publicKey).mac1Key,
		body,
	);
	return packet;
}

test('random, truncated, extended and half-valid packets never crash a node', async (t) => {
	const {nodes} = await testnet(t, 3);
	const [client, server, bystander] = nodes;
	const serverAddress = {host: '127.0.0.1', port: server.port};
	// Capture a real conversation through a relay, to mutate its packets.
	const relay = await startRelay(serverAddress, () => undefined);
	t.teardown(async () => relay.close());
	const relayed = `${server.identity.publicKey.toString('hex')}@127.0.0.1:${relay.port}`;
	for (let i = 0; i < 3; i++) await client.ping(relayed);
	const [initiation, ...data] = relay.captured;
	t.true(data.length >= 3);

	const random = seededRandom(0x70_72_6e);
	const attacker = await rawPeer(t, serverAddress);
	const cases: Buffer[] = [];
	// Random datagrams of every size up to a jumbo one.
	for (let i = 0; i < 1500; i++) cases.push(bytes(random, Math.floor(random() * 1500)));
	for (let length = 0; length < 64; length++) cases.push(bytes(random, length));
	// Every truncation and some extensions of a real initiation and real data packets.
	for (const packet of [initiation, ...data]) {
		for (let length = 0; length < packet.length; length += 1 + Math.floor(random() * 8))
			cases.push(packet.subarray(0, length));
		for (const extra of [1, 16, 200]) cases.push(Buffer.concat([packet, bytes(random, extra)]));
	}

	// A valid masked header (it unmasks to a live connection id) over a garbage body.
	for (const packet of data) {
		const prefix = packet.subarray(0, HEADER_BYTES + SAMPLE_BYTES);
		for (let i = 0; i < 50; i++)
			cases.push(Buffer.concat([prefix, bytes(random, Math.floor(random() * 300))]));
	}

	// Garbage that passes mac1, so Noise itself must refuse it; and a real initiation, cut and
	// given a fresh mac1 at every length.
	for (let i = 0; i < 150; i++) {
		const length = MIN_INITIATION_BYTES + Math.floor(random() * (MAX_HANDSHAKE_BYTES - 300));
		cases.push(withMac1(bytes(random, length - 2 * MAC_BYTES), server.identity.publicKey));
	}

	const body = initiation.subarray(0, initiation.length - 2 * MAC_BYTES);
	for (let length = MIN_INITIATION_BYTES - 2 * MAC_BYTES; length < body.length; length += 7)
		cases.push(withMac1(body.subarray(0, length), server.identity.publicKey));

	const before = {...server.endpoint.stats};
	for (const [i, packet] of cases.entries()) {
		attacker.send(packet);
		if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
	}

	await quiescent(() => server.endpoint.stats.packetsIn);
	const {stats} = server.endpoint;
	t.log(`${stats.packetsIn - before.packetsIn} of ${cases.length} fuzz packets arrived`);
	t.true(stats.junkPackets > before.junkPackets);
	t.true(stats.handshakesRejected > before.handshakesRejected, 'mac1-valid garbage reached Noise');
	t.is(stats.handshakesAccepted, before.handshakesAccepted, 'no fuzz packet made a connection');
	t.is(server.endpoint.connectionCount, 1);
	const inbound = server.endpoint.connections()[0];
	t.true(inbound.stats.rejectedPackets > 0, 'valid headers with garbage bodies were refused');
	t.is(server.rpc.stats.badMessages, 0, 'nothing reached the RPC layer');
	t.true(attacker.counts.bytesReceived <= attacker.counts.bytesSent);

	// The node still answers: over the old connection and for a newcomer.
	t.deepEqual((await client.ping(relayed)).peer.id, server.identity.id);
	t.deepEqual((await bystander.ping(server.address)).peer.id, server.identity.id);
});

test('garbage sent to a client in the middle of its handshake is ignored', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [client, server] = nodes;
	// A fake server that answers each initiation with a burst of garbage from the same address.
	const fake = dgram.createSocket('udp4');
	t.teardown(async () => {
		await new Promise<void>((resolve) => {
			fake.close(() => {
				resolve();
			});
		});
	});
	const random = seededRandom(42);
	let initiations = 0;
	fake.on('message', (packet, remote) => {
		initiations++;
		for (let i = 0; i < 300; i++) {
			const length = Math.floor(random() * packet.length + 1);
			fake.send(bytes(random, length), remote.port, remote.address);
		}
	});
	await new Promise<void>((resolve) => {
		fake.bind(0, '127.0.0.1', resolve);
	});
	const pending = client.endpoint.connect({
		publicKey: server.identity.publicKey,
		host: '127.0.0.1',
		port: fake.address().port,
	});
	pending.catch(() => undefined); // Rejected when the node closes at the end of the test.
	await quiescent(() => client.endpoint.stats.packetsIn, 300);
	t.true(initiations >= 1);
	t.true(client.endpoint.stats.junkPackets > 0);
	t.is(client.endpoint.stats.handshakesAccepted, 0);
	t.deepEqual((await client.ping(server.address)).peer.id, server.identity.id);
});
