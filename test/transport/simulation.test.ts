import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {SimEndpoint, type EndpointOptions} from './sim/endpoint.js';
import {Link, type LinkOptions, Network, seededRandom} from './sim/network.js';
import {Pump, run} from './sim/run.js';

function randomBytes(length: number, seed: number): Buffer {
	const random = seededRandom(seed);
	const out = Buffer.allocUnsafe(length);
	for (let i = 0; i < length; i++) out[i] = (random() * 256) | 0;
	return out;
}

function pair(seed: number, link: LinkOptions, options: EndpointOptions = {}) {
	const network = new Network(seed);
	const a = new SimEndpoint('a', options);
	const b = new SimEndpoint('b', options);
	const ab = new Link(network, link);
	const ba = new Link(network, link);
	a.connect(ab, b);
	b.connect(ba, a);
	return {network, a, b, ab, ba};
}

function received(endpoint: SimEndpoint): Buffer {
	return Buffer.concat(endpoint.inbox);
}

test('2 MB each way at once under 10% loss, reordering and duplication arrive byte-exact', (t) => {
	const {network, a, b} = pair(1, {
		delay: 10,
		jitter: 6,
		loss: 0.1,
		duplicate: 0.02,
		rate: 2500,
		queue: 150_000,
	});
	const toB = randomBytes(2 * 1024 * 1024, 2);
	const toA = randomBytes(2 * 1024 * 1024, 3);
	const pumps = [new Pump(a, toB), new Pump(b, toA)];
	const end = run(
		network,
		[a, b],
		pumps,
		() => a.recvStream.isFinished && b.recvStream.isFinished,
		600_000,
	);
	t.is(a.error, undefined);
	t.is(b.error, undefined);
	t.true(received(b).equals(toB), 'a → b byte-exact');
	t.true(received(a).equals(toA), 'b → a byte-exact');
	const stats = a.recovery.stats;
	t.true(stats.packetsLost > 100, `${stats.packetsLost} losses detected`);
	t.true(a.sendStream.bytesRetransmitted > 0);
	t.log(
		`${(end / 1000).toFixed(1)} s virtual, ${((2 * toB.length) / end).toFixed(0)} kB/s goodput both ways,`,
		`lost ${stats.packetsLost}/${stats.packetsSent}, spurious ${stats.spuriousLosses},`,
		`PTOs ${stats.probeTimeouts}, cwnd ${a.recovery.congestion.window}`,
	);
});

test('a clean path is filled: goodput close to the bottleneck rate', (t) => {
	const {network, a, b} = pair(4, {delay: 20, rate: 5000, queue: 200_000});
	const data = randomBytes(8 * 1024 * 1024, 5);
	const end = run(network, [a, b], [new Pump(a, data)], () => b.recvStream.isFinished, 120_000);
	t.true(received(b).equals(data));
	const goodput = data.length / end; // bytes per ms
	t.true(goodput > 0.7 * 5000, `goodput ${goodput.toFixed(0)} B/ms of 5000`);
	t.log(
		`goodput ${goodput.toFixed(0)} B/ms, ${a.recovery.stats.packetsLost} losses, rtt ${a.recovery.rtt.smoothed.toFixed(1)} ms`,
	);
});

test('a 5-second blackout mid-transfer: probes back off, the transfer resumes and completes', (t) => {
	const {network, a, b, ab, ba} = pair(6, {
		delay: 15,
		jitter: 2,
		loss: 0.02,
		rate: 3000,
		queue: 100_000,
	});
	const data = randomBytes(3 * 1024 * 1024, 7);
	let blackedOut = false;
	const end = run(
		network,
		[a, b],
		[new Pump(a, data)],
		() => b.recvStream.isFinished,
		300_000,
		(now) => {
			if (!blackedOut && b.receivedBytes > 1024 * 1024) {
				blackedOut = true;
				ab.blackout = [now, now + 5000];
				ba.blackout = [now, now + 5000];
			}
		},
	);
	t.true(blackedOut);
	t.is(a.error, undefined);
	t.true(received(b).equals(data));
	t.true(a.recovery.stats.probeTimeouts >= 3, `${a.recovery.stats.probeTimeouts} probe timeouts`);
	t.log(`done at ${(end / 1000).toFixed(1)} s with ${a.recovery.stats.probeTimeouts} PTOs`);
});

test('a peer that vanishes: the sender gives up with a clear error after its probes', (t) => {
	const {network, a, b, ab, ba} = pair(8, {delay: 10}, {maxProbes: 6});
	const data = randomBytes(1024 * 1024, 9);
	const end = run(
		network,
		[a, b],
		[new Pump(a, data)],
		() => a.error !== undefined,
		600_000,
		(now) => {
			if (b.receivedBytes > 100_000 && ab.blackout[1] === 0) {
				ab.blackout = [now, Number.POSITIVE_INFINITY];
				ba.blackout = [now, Number.POSITIVE_INFINITY];
			}
		},
	);
	t.true(isTornetError(a.error, 'CONNECTION_CLOSED'));
	t.regex(a.error!.message, /peer unreachable: no acknowledgement after 6 probes/);
	t.true(end < 120_000, `gave up after ${(end / 1000).toFixed(1)} s`);
});

test('path MTU: found below a 1400-byte path, transfer intact; a large-MTU path uses big packets', (t) => {
	const narrow = pair(10, {delay: 5, mtu: 1400, loss: 0.01}, {mtuCeiling: 1452});
	const data = randomBytes(1024 * 1024, 11);
	run(
		narrow.network,
		[narrow.a, narrow.b],
		[new Pump(narrow.a, data)],
		() => narrow.b.recvStream.isFinished,
		120_000,
	);
	t.true(received(narrow.b).equals(data));
	t.true(narrow.a.packetSize <= 1400 && narrow.a.packetSize > 1380, `found ${narrow.a.packetSize}`);

	const wide = pair(12, {delay: 1}, {mtuCeiling: 16_384});
	let largeBytes = 0;
	const send = wide.ab.send.bind(wide.ab);
	wide.ab.send = (bytes, to, now) => {
		if (bytes.length === 16_384) largeBytes += bytes.length;
		send(bytes, to, now);
	};

	const more = randomBytes(4 * 1024 * 1024, 12);
	run(
		wide.network,
		[wide.a, wide.b],
		[new Pump(wide.a, more)],
		() => wide.b.recvStream.isFinished,
		120_000,
	);
	t.true(received(wide.b).equals(more));
	t.is(wide.a.packetSize, 16_384);
	t.true(largeBytes > 0.75 * more.length, `${largeBytes} bytes in 16 kB datagrams`);
});

test('LEDBAT yields a shared bottleneck to a CUBIC flow', (t) => {
	const network = new Network(13);
	// One bottleneck (2.5 MB/s, 300 ms of buffer) carries both flows' data; ACKs have their own path.
	const forward = new Link(network, {delay: 20, rate: 2500, queue: 750_000});
	const back = new Link(network, {delay: 20});
	const background = [
		new SimEndpoint('ledbat-a', {congestion: 'ledbat'}),
		new SimEndpoint('ledbat-b'),
	];
	const foreground = [
		new SimEndpoint('cubic-a', {congestion: 'cubic'}),
		new SimEndpoint('cubic-b'),
	];
	for (const [sender, receiver] of [background, foreground]) {
		sender.connect(forward, receiver);
		receiver.connect(back, sender);
	}

	const data = randomBytes(64 * 1024 * 1024, 14);
	const pumps = [new Pump(background[0], data), new Pump(foreground[0], data)];
	let ledbatAlone = 0;
	let cubicStarted = false;
	const all = [...background, ...foreground];
	pumps.pop(); // the CUBIC flow starts later
	run(
		network,
		all,
		pumps,
		() => false,
		20_000,
		(now) => {
			if (!cubicStarted && now >= 8000) {
				cubicStarted = true;
				ledbatAlone = background[1].receivedBytes;
				pumps.push(new Pump(foreground[0], data));
			}
		},
	);
	const ledbatShared = background[1].receivedBytes - ledbatAlone;
	const cubicShared = foreground[1].receivedBytes;
	t.true(
		ledbatAlone / 8000 > 0.6 * 2500,
		`alone, LEDBAT uses the link: ${(ledbatAlone / 8000).toFixed(0)} B/ms`,
	);
	t.true(cubicShared > 3 * ledbatShared, `shared: cubic ${cubicShared}, ledbat ${ledbatShared}`);
	t.log(
		`alone ${(ledbatAlone / 8000).toFixed(0)} B/ms; shared: cubic ${(cubicShared / 12_000).toFixed(0)}, ledbat ${(ledbatShared / 12_000).toFixed(0)} B/ms`,
	);
});
