import {once} from 'node:events';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import type {Connection} from '../../source/transport/connection.js';
import {seededRandom, type PacketHook} from '../helpers/relay.js';
import {until} from '../helpers/raw-peer.js';
import {collect, nextStream, pair, seededBytes, writeAll} from './pair.js';

/**
 * Bulk streams through the fault-injecting relay: real UDP sockets, real crypto. Serial: they are
 * CPU-bound, and run together they would only slow each other down. Sizes of the
 * lossy transfers: TORNET_TEST_LOSS_BYTES (default 20 MB, at the path MTU loopback allows) and
 * TORNET_TEST_LOSS_BYTES_1200 (default 4 MB, at 1200-byte packets: ten times the losses per MB).
 */
const LOSS_BYTES = Number(process.env['TORNET_TEST_LOSS_BYTES'] ?? 20_000_000);
const LOSS_BYTES_1200 = Number(process.env['TORNET_TEST_LOSS_BYTES_1200'] ?? 4_000_000);

/** Sends `data` client → server over a new stream; resolves with what the server received. */
async function transfer(connection: Connection, inbound: Connection, data: Buffer) {
	const accepted = nextStream(inbound);
	const stream = connection.openStream();
	const sent = writeAll(stream, data);
	const remote = await accepted;
	const [received] = await Promise.all([collect(remote), sent]);
	return received;
}

function summary(connection: Connection, bytes: number, started: number): string {
	const stats = connection.stats.snapshot();
	return [
		`${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s:`,
		`${stats.packetsLost} packets lost, ${(stats.retransmittedBytes / 1e6).toFixed(1)} MB resent,`,
		`${stats.probeTimeouts} probe timeouts, mtu ${stats.mtu}, rtt ${stats.rttMs.toFixed(1)} ms`,
	].join(' ');
}

const lossy = (seed: number, rate: number): PacketHook => {
	const random = seededRandom(seed);
	return () => ({drop: random() < rate});
};

test.serial('20 MB arrive byte-exact through 10% loss each way', async (t) => {
	const {connection, inbound} = await pair(t, {hook: lossy(10, 0.1)});
	const data = seededBytes(LOSS_BYTES, 11);
	const started = performance.now();
	t.true((await transfer(connection, inbound, data)).equals(data));
	t.true(connection.stats.packetsLost > 0 && connection.stats.retransmittedBytes > 0);
	t.log(summary(connection, data.length, started));
});

test.serial('1200-byte packets through 10% loss each way arrive byte-exact', async (t) => {
	const {connection, inbound} = await pair(t, {
		hook: lossy(12, 0.1),
		connect: {maxPacketSize: 1200},
	});
	const data = seededBytes(LOSS_BYTES_1200, 13);
	const started = performance.now();
	t.true((await transfer(connection, inbound, data)).equals(data));
	t.is(connection.stats.mtu, 1200);
	t.true(connection.stats.packetsLost > LOSS_BYTES_1200 / 1200 / 20);
	t.log(summary(connection, data.length, started));
});

test.serial(
	'reordered and duplicated packets: the stream is byte-exact, duplicates are refused',
	async (t) => {
		const random = seededRandom(14);
		let armed = false;
		const {connection, inbound} = await pair(t, {
			hook: () =>
				armed ? {delayMs: Math.floor(random() * 8), duplicate: random() < 0.05 ? 1 : 0} : undefined,
			connect: {maxPacketSize: 1200},
		});
		armed = true;
		const data = seededBytes(2_000_000, 15);
		const started = performance.now();
		t.true((await transfer(connection, inbound, data)).equals(data));
		t.true(inbound.stats.rejectedPackets > 0, 'duplicates were refused as replays');
		t.log(summary(connection, data.length, started), `${inbound.stats.rejectedPackets} replays`);
	},
);

test.serial('corrupted packets are never delivered: the stream stays byte-exact', async (t) => {
	const random = seededRandom(16);
	let armed = false;
	const {connection, inbound} = await pair(t, {
		hook: () => (armed ? {corrupt: random() < 0.05} : undefined),
		connect: {maxPacketSize: 1200},
	});
	armed = true;
	const data = seededBytes(2_000_000, 17);
	t.true((await transfer(connection, inbound, data)).equals(data));
	t.true(inbound.stats.rejectedPackets > 0, 'corrupt data packets failed authentication');
	t.true(connection.stats.rejectedPackets > 0, 'corrupt ACK packets too');
});

test.serial(
	'a 5-second blackout mid-transfer: probes back off, then the transfer completes',
	async (t) => {
		let blackout = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
		const {connection, inbound} = await pair(t, {
			hook() {
				const now = performance.now();
				return {drop: now >= blackout[0] && now < blackout[1]};
			},
		});
		const data = seededBytes(12_000_000, 18);
		const accepted = nextStream(inbound);
		const stream = connection.openStream();
		const sent = writeAll(stream, data);
		const remote = await accepted;
		const received = collect(remote);
		await until(() => inbound.stats.bytesReceived > 2_000_000);
		const start = performance.now();
		blackout = [start, start + 5000];
		const probesBefore = connection.stats.probeTimeouts;
		await until(() => performance.now() > blackout[1], 6000);
		t.true(connection.stats.probeTimeouts - probesBefore >= 3, 'probes backed off through it');
		t.true(connection.isOpen, 'the connection survived');
		const [all] = await Promise.all([received, sent]);
		t.true(all.equals(data));
		t.log(`resumed ${((performance.now() - blackout[1]) / 1000).toFixed(1)} s after the blackout`);
	},
);

test.serial(
	'a peer that vanishes: after its probe limit the connection closes with a clear error',
	async (t) => {
		let vanished = false;
		const {connection, inbound} = await pair(t, {
			hook: () => ({drop: vanished}),
			connect: {maxProbes: 4},
		});
		inbound.on('stream', (remote) => {
			remote.resume();
		});
		const stream = connection.openStream();
		const failed = once(stream, 'error') as Promise<[Error]>;
		const closed = once(connection, 'close') as Promise<[Error | undefined]>;
		stream.write(seededBytes(200_000, 19));
		await until(() => inbound.stats.bytesReceived > 50_000);
		vanished = true;
		stream.write(seededBytes(200_000, 20));
		const [error] = await closed;
		t.true(isTornetError(error, 'CONNECTION_CLOSED'), String(error));
		t.regex(String(error), /peer unreachable: no acknowledgement after 4 probes/);
		const [streamError] = await failed;
		t.true(isTornetError(streamError, 'CONNECTION_CLOSED'));
		t.false(connection.isOpen);
	},
);
