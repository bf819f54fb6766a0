import test from 'ava';
import type {CongestionController} from '../../source/transport/congestion.js';
import {Cubic} from '../../source/transport/cubic.js';
import {Ledbat} from '../../source/transport/ledbat.js';
import {NewReno} from '../../source/transport/new-reno.js';
import {Pacer} from '../../source/transport/pacer.js';
import {RttEstimator} from '../../source/transport/rtt-estimator.js';

const SIZE = 1200;

/** One round trip: fill the window, acknowledge it all `rttMs` later. Returns the new time. */
function roundTrip(cc: CongestionController, rtt: RttEstimator, now: number, rttMs: number) {
	const packets = Math.floor(cc.window / SIZE);
	for (let i = 0; i < packets; i++) cc.onPacketSent(SIZE, now);
	for (let i = 0; i < packets; i++) {
		if (i % 2 === 0) rtt.update(rttMs, 0); // an ACK per two packets, each an RTT sample
		cc.onPacketAcked(SIZE, now, now + rttMs, rtt);
	}

	return now + rttMs;
}

test('NewReno: initial window of RFC 9002, doubling per round trip in slow start', (t) => {
	const cc = new NewReno(SIZE);
	const rtt = new RttEstimator(0);
	t.is(cc.window, 12_000); // min(10 × 1200, max(14720, 2400))
	let now = roundTrip(cc, rtt, 0, 50);
	t.is(cc.window, 24_000);
	roundTrip(cc, rtt, now, 50);
	t.is(cc.window, 48_000);
	now += 50;
	t.is(cc.bytesInFlight, 0);
});

test('NewReno: several losses of one flight cut the window once; a later flight can cut again', (t) => {
	const cc = new NewReno(SIZE);
	for (let i = 0; i < 10; i++) cc.onPacketSent(SIZE, i);
	// Packets 2, 4, 6 of the flight are declared lost by one ACK at t = 60, then 8 by another.
	for (const sent of [2, 4, 6]) {
		cc.onPacketLost(SIZE);
		cc.onCongestionEvent(sent, 60);
	}

	t.is(cc.window, 6000);
	t.is(cc.congestionEvents, 1);
	cc.onPacketLost(SIZE);
	cc.onCongestionEvent(8, 70);
	t.is(cc.window, 6000, 'packet 8 was sent before recovery started');
	cc.onPacketSent(SIZE, 80);
	cc.onPacketLost(SIZE);
	cc.onCongestionEvent(80, 150);
	t.is(cc.window, 3000, 'a packet sent during recovery starts a new congestion event');
	t.is(cc.congestionEvents, 2);
	cc.onCongestionEvent(200, 300);
	t.is(cc.window, 2400, 'never below the minimum window');
});

test('NewReno: no growth from acknowledgements of packets sent before recovery, nor when app-limited', (t) => {
	const cc = new NewReno(SIZE);
	const rtt = new RttEstimator(0);
	rtt.update(50, 0);
	for (let i = 0; i < 10; i++) cc.onPacketSent(SIZE, 0);
	cc.onPacketLost(SIZE);
	cc.onCongestionEvent(0, 40);
	const cut = cc.window;
	for (let i = 0; i < 9; i++) cc.onPacketAcked(SIZE, 0, 50, rtt);
	t.is(cc.window, cut);

	const idle = new NewReno(SIZE);
	idle.onPacketSent(SIZE, 0);
	idle.onPacketAcked(SIZE, 0, 50, rtt);
	t.is(idle.window, 12_000, 'one packet in a 12 kB window does not prove the path carries 13 kB');
});

test('NewReno: congestion avoidance adds one datagram per window', (t) => {
	const cc = new NewReno(SIZE);
	const rtt = new RttEstimator(0);
	cc.onPacketSent(SIZE, 0);
	cc.onPacketLost(SIZE);
	cc.onCongestionEvent(0, 1); // ssthresh = window = 6000
	let now = 10;
	for (let round = 0; round < 4; round++) now = roundTrip(cc, rtt, now, 50);
	t.is(cc.window, 6000 + 4 * SIZE);
});

test('NewReno: persistent congestion collapses the window to the minimum', (t) => {
	const cc = new NewReno(SIZE);
	cc.onPersistentCongestion(100);
	t.is(cc.window, 2 * SIZE);
});

test('CUBIC: cuts to 0.7 and climbs back toward the previous maximum faster than NewReno', (t) => {
	const cubic = new Cubic(SIZE);
	const reno = new NewReno(SIZE);
	const rtt = new RttEstimator(0);
	let now = 0;
	for (const cc of [cubic, reno]) {
		for (let round = 0; round < 4; round++) roundTrip(cc, rtt, round * 100, 100);
	}

	t.is(cubic.window, 192_000);
	rtt.update(150, 0); // a queue builds: the loss that follows is congestion
	for (const cc of [cubic, reno]) {
		cc.onPacketSent(SIZE, 400);
		cc.onPacketLost(SIZE);
		cc.onCongestionEvent(400, 450);
	}

	t.is(cubic.window, 192_000 * 0.7);
	t.is(reno.window, 96_000);
	now = 500;
	let previous = cubic.window;
	for (let round = 0; round < 30; round++) {
		roundTrip(cubic, rtt, now, 100);
		now = roundTrip(reno, rtt, now, 100);
		t.true(cubic.window >= previous, 'acknowledgements never shrink the window');
		previous = cubic.window;
	}

	const renoGain = reno.window - 96_000;
	const cubicGain = cubic.window - 192_000 * 0.7;
	t.true(cubic.window > 192_000 * 0.95, `back near the old maximum: ${cubic.window}`);
	t.true(cubicGain > renoGain, `cubic +${cubicGain}, reno +${renoGain}`);
});

test('CUBIC: a rare loss with no queue behind it is not taken for congestion', (t) => {
	const cubic = new Cubic(SIZE);
	const rtt = new RttEstimator(0);
	let now = 0;
	for (let round = 0; round < 4; round++) now = roundTrip(cubic, rtt, now, 100);
	t.is(cubic.window, 192_000);
	// The RTT sits at its minimum: the loss looks random (a lossy link or relay, not a queue).
	cubic.onPacketSent(SIZE, now);
	cubic.onPacketLost(SIZE);
	cubic.onCongestionEvent(now, now + 50);
	t.is(cubic.window, 192_000);
	t.is(cubic.randomLosses, 1);
	t.is(cubic.congestionEvents, 0);
	// No recovery period: the next round trip still grows the window (slow start goes on).
	now = roundTrip(cubic, rtt, now + 100, 100);
	t.true(cubic.window > 192_000 * 1.5, `${cubic.window}`);
	// Frequent loss is congestion whatever the RTT says.
	for (let i = 0; i < 10; i++) {
		cubic.onPacketSent(SIZE, now);
		cubic.onPacketLost(SIZE);
	}

	const before = cubic.window;
	cubic.onCongestionEvent(now, now + 200);
	t.is(cubic.congestionEvents, 1);
	t.is(cubic.window, before * 0.7);
});

test('LEDBAT: grows while the queue is short, backs off as delay rises, halves on loss', (t) => {
	const ledbat = new Ledbat(SIZE, 100);
	const rtt = new RttEstimator(0);
	let now = 0;
	for (let round = 0; round < 5; round++) now = roundTrip(ledbat, rtt, now, 40);
	const grown = ledbat.window;
	t.true(grown > 12_000, 'slow start at the base delay');
	t.is(ledbat.baseDelay, 40);

	// Another flow fills the bottleneck queue: 250 ms above base, 150 ms over target.
	for (let round = 0; round < 6; round++) now = roundTrip(ledbat, rtt, now, 290);
	t.true(ledbat.queuingDelay >= 200);
	t.true(ledbat.window < grown / 4, `yielded: ${grown} → ${ledbat.window}`);
	t.true(ledbat.window >= 2 * SIZE);

	// The queue drains: it grows again, at most a datagram per round trip.
	for (let i = 0; i < 4; i++) now = roundTrip(ledbat, rtt, now, 40);
	const before = ledbat.window;
	now = roundTrip(ledbat, rtt, now, 40);
	t.true(ledbat.window > before && ledbat.window <= before + SIZE);

	ledbat.onPacketSent(SIZE, now);
	ledbat.onPacketLost(SIZE);
	ledbat.onCongestionEvent(now, now + 40);
	t.true(Math.abs(ledbat.window - Math.max((before + SIZE) / 2, 2 * SIZE)) <= SIZE);
});

test('LEDBAT at the target holds its window; NewReno in the same conditions keeps growing', (t) => {
	const ledbat = new Ledbat(SIZE, 100);
	const reno = new NewReno(SIZE);
	const rtt = new RttEstimator(0);
	let now = 0;
	roundTrip(ledbat, rtt, now, 20);
	now = roundTrip(reno, rtt, now, 20);
	for (let round = 0; round < 10; round++) {
		roundTrip(ledbat, rtt, now, 120); // exactly 100 ms of queue
		now = roundTrip(reno, rtt, now, 120);
	}

	const held = ledbat.window;
	roundTrip(ledbat, rtt, now, 120);
	t.true(Math.abs(ledbat.window - held) < SIZE);
	t.true(reno.window > 4 * ledbat.window, `${reno.window} vs ${ledbat.window}`);
});

test('Pacer: no pacing before an RTT sample, then window/RTT × 1.25 after a burst', (t) => {
	t.is(Pacer.rate(12_000, 100, false), Number.POSITIVE_INFINITY);
	const rate = Pacer.rate(120_000, 100, true);
	t.is(rate, 1500); // bytes per ms
	const pacer = new Pacer(SIZE, 1);
	let now = 0;
	let sent = 0;
	// Burst: ten datagrams (or two timer periods of rate, here 3000 bytes) leave at once.
	while (pacer.nextSendTime(now, SIZE, rate, SIZE) <= now) {
		pacer.onPacketSent(now, SIZE, rate, SIZE);
		sent++;
	}

	t.is(sent, 10);
	const next = pacer.nextSendTime(now, SIZE, rate, SIZE);
	t.is(next, SIZE / rate);
	// Over 100 ms the pacer releases about rate × 100 bytes beyond the burst.
	let packets = 0;
	for (now = next; now < 100; now = pacer.nextSendTime(now, SIZE, rate, SIZE)) {
		pacer.onPacketSent(now, SIZE, rate, SIZE);
		packets++;
	}

	t.true(Math.abs(packets - (rate * 100) / SIZE) <= 2, `${packets} packets`);
});
