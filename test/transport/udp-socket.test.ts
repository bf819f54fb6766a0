import test from 'ava';
import {
	ADDON_PATHS,
	loadUdpBatch,
	nativeReceiveAllowed,
	NO_NATIVE_ENV,
	type UdpBatchAddon,
	UdpBatchState,
	udpBatchAddon,
} from '../../source/transport/udp-batch.js';
import {UdpSocket} from '../../source/transport/udp-socket.js';
import {until} from '../helpers/raw-peer.js';

const addon = loadUdpBatch(ADDON_PATHS);
const onLinux = process.platform === 'linux';

type Arrival = {first: number; length: number; port: number};

async function socket(
	t: {teardown(fn: () => Promise<void>): void},
	options: {addon?: UdpBatchAddon | null} = {},
) {
	const arrivals: Arrival[] = [];
	const udp = new UdpSocket(
		'udp4',
		(packet, _host, port) => {
			arrivals.push({first: packet[0], length: packet.length, port});
		},
		options,
	);
	await udp.bind(0, '127.0.0.1');
	t.teardown(async () => udp.close());
	return {udp, arrivals, port: udp.address().port};
}

/** Sends `count` ring packets of `size` bytes (packet i starts with byte i) inside one cork. */
function corkedBurst(udp: UdpSocket, port: number, count: number, size: number, from = 0) {
	udp.cork();
	for (let i = from; i < from + count; i++) {
		const packet = udp.packetBuffer(size);
		packet.fill(i & 0xff);
		udp.send(packet, '127.0.0.1', port, true);
	}

	udp.uncork();
}

function inOrder(arrivals: Arrival[], count: number, from = 0): boolean {
	return (
		arrivals.length === count &&
		arrivals.every((arrival, i) => arrival.first === ((from + i) & 0xff))
	);
}

test('corked packets to one peer leave in one system call and arrive in order', async (t) => {
	if (onLinux && !addon) t.fail('addon not built: node source/transport/native/build.mjs');
	if (!addon) return;
	const receiver = await socket(t, {addon});
	const sender = await socket(t, {addon});
	t.truthy(sender.udp.batch);
	t.truthy(receiver.udp.receiver);
	corkedBurst(sender.udp, receiver.port, 200, 1200);
	await until(() => receiver.arrivals.length >= 200);
	t.true(inOrder(receiver.arrivals, 200));
	t.true(receiver.arrivals.every((arrival) => arrival.length === 1200));
	t.is(sender.udp.batch!.calls, 1);
	t.true(sender.udp.batch!.gsoMessages >= 3);
	t.true(receiver.udp.receiver!.batches < 20);
});

test('a burst to two peers in turn reaches each in order', async (t) => {
	const a = await socket(t);
	const b = await socket(t);
	const sender = await socket(t);
	sender.udp.cork();
	for (let i = 0; i < 100; i++) {
		const packet = sender.udp.packetBuffer(1000);
		packet.fill(i);
		sender.udp.send(packet, '127.0.0.1', (i >> 2) % 2 === 0 ? a.port : b.port, true);
	}

	sender.udp.uncork();
	await until(() => a.arrivals.length + b.arrivals.length >= 100);
	const expected = (odd: number) =>
		Array.from({length: 100}, (_, i) => i).filter((i) => (i >> 2) % 2 === odd);
	t.deepEqual(
		a.arrivals.map((arrival) => arrival.first),
		expected(0),
	);
	t.deepEqual(
		b.arrivals.map((arrival) => arrival.first),
		expected(1),
	);
});

// The kernel never says EAGAIN on loopback (a looped datagram leaves the sender's buffer at once),
// so this addon takes at most 3 packets per call and reports EAGAIN for the rest, as a full socket
// buffer would: the rest must go through node:dgram, in order, and the ring must stay consistent.
test('what the kernel does not take at once goes through dgram, in order', async (t) => {
	if (onLinux && !addon) t.fail('addon not built: node source/transport/native/build.mjs');
	if (!addon) return;
	const partial: UdpBatchAddon = {
		...addon,
		send(fd, packets, lengths, count, host, port, state) {
			const sent = addon.send(fd, packets, lengths, Math.min(count, 3), host, port, state);
			if (sent < count) state[UdpBatchState.errno] = addon.constants.EAGAIN;
			return sent;
		},
	};
	const receiver = await socket(t);
	const sender = await socket(t, {addon: partial});
	for (let round = 0; round < 20; round++) {
		corkedBurst(sender.udp, receiver.port, 50, 1200, round * 50);
	}

	await until(() => receiver.arrivals.length >= 1000);
	t.true(inOrder(receiver.arrivals, 1000));
	t.true(sender.udp.batch!.calls >= 1);
	// Uncorked sends after all that still work, and close waits for nothing that never completes.
	sender.udp.send(new Uint8Array(10).fill(0xee), '127.0.0.1', receiver.port);
	await until(() => receiver.arrivals.length === 1001);
	await sender.udp.close();
	t.pass();
});

test('without the addon every packet goes through node:dgram', async (t) => {
	const receiver = await socket(t, {addon: null});
	const sender = await socket(t, {addon: null});
	t.is(sender.udp.batch, undefined);
	t.is(receiver.udp.receiver, undefined);
	corkedBurst(sender.udp, receiver.port, 300, 1200);
	await until(() => receiver.arrivals.length >= 300);
	t.true(inOrder(receiver.arrivals, 300));
});

test(`${NO_NATIVE_ENV} switches the addon off, or only its receive half`, (t) => {
	const saved = process.env[NO_NATIVE_ENV];
	try {
		process.env[NO_NATIVE_ENV] = '1';
		t.is(udpBatchAddon(), undefined);
		process.env[NO_NATIVE_ENV] = 'receive';
		t.false(nativeReceiveAllowed());
		t.is(udpBatchAddon(), addon);
		delete process.env[NO_NATIVE_ENV];
		t.true(nativeReceiveAllowed());
		t.is(udpBatchAddon(), addon);
	} finally {
		if (saved === undefined) delete process.env[NO_NATIVE_ENV];
		else process.env[NO_NATIVE_ENV] = saved;
	}
});

test('a closed socket sends nothing and its port can be bound again', async (t) => {
	const receiver = await socket(t);
	const {port} = receiver;
	await receiver.udp.close();
	// The native receive path holds a dup of the fd: close must release it with the socket.
	const again = new UdpSocket('udp4', () => undefined);
	await again.bind(port, '127.0.0.1');
	t.is(again.address().port, port);
	await again.close();
});
