import dgram from 'node:dgram';
import test from 'ava';
import {BatchReceive} from '../../source/transport/batch-receive.js';
import {socketFd} from '../../source/transport/native-send.js';
import {
	ADDON_PATHS,
	loadUdpBatch,
	type UdpBatchAddon,
	UdpBatchState,
} from '../../source/transport/udp-batch.js';

// The addon itself, whatever TORNET_NO_NATIVE_UDP says (that switch is for the transport).
const addon = loadUdpBatch(ADDON_PATHS);
const families = [
	{type: 'udp4', host: '127.0.0.1'},
	{type: 'udp6', host: '::1'},
] as const;

function required(t: {fail(message: string): void}): UdpBatchAddon | undefined {
	if (process.platform !== 'linux') return undefined;
	if (!addon) t.fail('addon not built: node source/transport/native/build.mjs');
	return addon;
}

async function bound(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
	const socket = dgram.createSocket(type);
	await new Promise<void>((resolve) => {
		socket.bind(0, host, resolve);
	});
	return socket;
}

/** Packets of the given sizes end to end, packet i filled with byte i. */
function packed(sizes: number[]) {
	const total = sizes.reduce((sum, size) => sum + size, 0);
	const buffer = new Uint8Array(total);
	let at = 0;
	for (const [i, size] of sizes.entries()) {
		buffer.fill(i & 0xff, at, at + size);
		at += size;
	}

	return {buffer, lengths: Int32Array.from(sizes)};
}

function state(addon: UdpBatchAddon, ipv6: boolean): Int32Array {
	const flags = new Int32Array(addon.constants.STATE_LENGTH);
	flags[UdpBatchState.flags] =
		addon.constants.FLAG_GSO | (ipv6 ? addon.constants.FLAG_IPV6_SOCKET : 0);
	return flags;
}

// Runs of equal sizes (GSO), a shorter packet ending a run, singles, a run longer than one GSO
// message (64 KB / 1200 = 54), and a run of one size after another.
const SIZES = [
	...Array.from({length: 60}, () => 1200),
	700,
	1452,
	9000,
	...Array.from({length: 5}, () => 300),
	1,
	...Array.from({length: 3}, () => 1200),
];

for (const {type, host} of families) {
	test(`${type}: a batch of mixed sizes leaves in one call and arrives as the same datagrams`, async (t) => {
		const native = required(t);
		if (!native) return;
		const receiver = await bound(type, host);
		const sender = await bound(type, host);
		t.teardown(() => {
			receiver.close();
			sender.close();
		});
		const received: Buffer[] = [];
		const all = new Promise<void>((resolve) => {
			receiver.on('message', (message, remote) => {
				t.is(remote.port, sender.address().port);
				received.push(message);
				if (received.length === SIZES.length) resolve();
			});
		});
		const {buffer, lengths} = packed(SIZES);
		const flags = state(native, type === 'udp6');
		const sent = native.send(
			socketFd(sender)!,
			buffer,
			lengths,
			SIZES.length,
			host,
			receiver.address().port,
			flags,
		);
		t.true(native.gsoSupported(socketFd(sender)!), 'UDP GSO on this kernel');
		t.is(sent, SIZES.length);
		t.is(flags[UdpBatchState.errno], 0);
		t.is(flags[UdpBatchState.calls], 1, 'one sendmmsg');
		t.true(flags[UdpBatchState.gsoMessages] >= 3, 'the runs went as GSO messages');
		await all;
		t.deepEqual(
			received.map((message) => message.length),
			SIZES,
		);
		t.true(received.every((message, i) => message.every((byte) => byte === (i & 0xff))));
	});

	test(`${type}: the receive path splits GSO batches into the datagrams, with their source`, async (t) => {
		const native = required(t);
		if (!native) return;
		const receiver = await bound(type, host);
		const sender = await bound(type, host);
		const plain = await bound(type, host);
		const received: Array<{bytes: Uint8Array; host: string; port: number}> = [];
		const expected = SIZES.length + 3;
		let done: () => void;
		const all = new Promise<void>((resolve) => {
			done = resolve;
		});
		receiver.on('message', () => {
			t.fail('dgram read a datagram the native path should have');
		});
		const batchReceive = BatchReceive.start(
			native,
			receiver,
			socketFd(receiver)!,
			(bytes, source, port) => {
				received.push({bytes, host: source, port});
				if (received.length === expected) done();
			},
		);
		t.truthy(batchReceive);
		t.teardown(() => {
			batchReceive?.stop();
			receiver.close();
			sender.close();
			plain.close();
		});

		const {buffer, lengths} = packed(SIZES);
		const port = receiver.address().port;
		native.send(
			socketFd(sender)!,
			buffer,
			lengths,
			SIZES.length,
			host,
			port,
			state(native, type === 'udp6'),
		);
		for (const size of [0, 17, 65_000]) plain.send(new Uint8Array(size).fill(7), port, host);
		await all;
		t.is(received.length, expected);
		const fromSender = received.filter((entry) => entry.port === sender.address().port);
		t.deepEqual(
			fromSender.map((entry) => entry.bytes.length),
			SIZES,
		);
		t.true(fromSender.every(({bytes}, i) => bytes.every((byte) => byte === (i & 0xff))));
		const fromPlain = received.filter((entry) => entry.port === plain.address().port);
		t.deepEqual(
			fromPlain.map((entry) => entry.bytes.length),
			[0, 17, 65_000],
		);
		t.true(received.every((entry) => entry.host === host));
		const batches = batchReceive!.batches;
		t.true(batches < received.length / 4, `${batches} batches for ${received.length} datagrams`);
	});
}

test('an IPv4 host on an IPv6 socket goes as a v4-mapped address', async (t) => {
	const native = required(t);
	if (!native) return;
	const receiver = await bound('udp4', '127.0.0.1');
	const sender = dgram.createSocket({type: 'udp6'});
	await new Promise<void>((resolve) => {
		sender.bind(0, '::', resolve);
	});
	t.teardown(() => {
		receiver.close();
		sender.close();
	});
	const arrived = new Promise<Buffer>((resolve) => {
		receiver.once('message', resolve);
	});
	const {buffer, lengths} = packed([100]);
	const flags = state(native, true);
	t.is(
		native.send(socketFd(sender)!, buffer, lengths, 1, '127.0.0.1', receiver.address().port, flags),
		1,
	);
	t.is((await arrived).length, 100);
});

test('a destination the kernel refuses stops the batch with its errno, without throwing', async (t) => {
	const native = required(t);
	if (!native) return;
	const sender = await bound('udp4', '0.0.0.0');
	t.teardown(() => sender.close());
	const {buffer, lengths} = packed([100, 100, 100]);
	const flags = state(native, false);
	// Broadcast without SO_BROADCAST: EACCES, a real error and not EAGAIN.
	t.is(native.send(socketFd(sender)!, buffer, lengths, 3, '255.255.255.255', 9, flags), 0);
	t.not(flags[UdpBatchState.errno], 0);
	t.not(flags[UdpBatchState.errno], native.constants.EAGAIN);
	t.is(native.send(socketFd(sender)!, buffer, lengths, 3, 'not an address', 9, flags), 0);
	t.not(flags[UdpBatchState.errno], 0);
});

test('bad arguments throw a TypeError instead of touching memory', (t) => {
	const native = required(t);
	if (!native) return;
	const flags = state(native, false);
	const buffer = new Uint8Array(100);
	t.throws(() => native.send(0, buffer, Int32Array.of(101), 1, '127.0.0.1', 9, flags), {
		instanceOf: TypeError,
	});
	t.throws(() => native.send(0, buffer, Int32Array.of(50), 2, '127.0.0.1', 9, flags), {
		instanceOf: TypeError,
	});
	t.throws(() => native.send(0, buffer, Int32Array.of(0), 1, '127.0.0.1', 9, flags), {
		instanceOf: TypeError,
	});
	t.throws(() => native.send(0, buffer, Int32Array.of(50), 1, '127.0.0.1', 0, flags), {
		instanceOf: TypeError,
	});
	t.throws(() => native.receiveStart(0, () => undefined, new Int32Array(3), []), {
		instanceOf: TypeError,
	});
});

test('a missing addon loads as undefined', (t) => {
	t.is(loadUdpBatch(['/nonexistent/udp_batch.node']), undefined);
	t.is(loadUdpBatch([]), undefined);
});
