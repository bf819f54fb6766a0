import test from 'ava';
import {
	Bbr,
	BbrState,
	MIN_RTT_WINDOW,
	PACING_GAINS,
	PROBE_RTT_MS,
} from '../../source/transport/bbr.js';
import {createCongestionController} from '../../source/transport/controllers.js';
import type {RateSample} from '../../source/transport/rate-sampler.js';
import {RttEstimator} from '../../source/transport/rtt-estimator.js';
import {SimEndpoint} from './sim/endpoint.js';
import {Link, Network, seededRandom} from './sim/network.js';
import {Pump, run} from './sim/run.js';

const SIZE = 1200;
const RTT = 40;

/** Feeds a controller one rate sample per round trip, as an ACK clock would. */
function driver(bbr: Bbr) {
	const rtt = new RttEstimator();
	let delivered = 0;
	let now = 1000;
	return {
		get now() {
			return now;
		},
		/** One round trip delivering `rate` bytes per ms, acknowledged in one sample. */
		round(rate: number, options: {appLimited?: boolean; rtt?: number; inFlight?: number} = {}) {
			const roundTrip = options.rtt ?? RTT;
			const prior = delivered;
			const bytes = rate * roundTrip;
			delivered += bytes;
			now += roundTrip;
			rtt.update(roundTrip, 0);
			bbr.bytesInFlight = options.inFlight ?? 0;
			const sample: RateSample = {
				deliveryRate: rate,
				isAppLimited: options.appLimited ?? false,
				priorDelivered: prior,
				ackedBytes: bytes,
				delivered,
				rtt: roundTrip,
				interval: roundTrip,
			};
			bbr.onRateSample(sample, now, rtt);
		},
	};
}

test('startup doubles until the bandwidth stops growing for three rounds, drains, then probes', (t) => {
	const bbr = new Bbr(SIZE, () => 0);
	const path = driver(bbr);
	t.is(bbr.state, BbrState.startup);
	t.true(bbr.pacingGain > 2.8 && bbr.cwndGain > 2.8);
	let previous = bbr.window;
	for (const rate of [100, 200, 400, 800]) {
		path.round(rate, {inFlight: 10 * 1000 * RTT});
		t.true(bbr.window > previous, 'startup grows the window by what was acknowledged');
		previous = bbr.window;
	}

	t.is(bbr.pacingRate! / bbr.bandwidth > 2.8, true, 'startup paces at about 2.89× the estimate');
	path.round(1000, {inFlight: 10 * 1000 * RTT}); // still 25 % more than the round before
	for (let i = 0; i < 2; i++) {
		path.round(1000, {inFlight: 10 * 1000 * RTT});
		t.is(bbr.state, BbrState.startup);
	}

	path.round(1000, {inFlight: 10 * 1000 * RTT});
	t.true(bbr.filledPipe, 'three rounds without 25 % growth');
	t.is(bbr.state, BbrState.drain, 'a queue is still in flight: drain it first');
	t.true(bbr.pacingGain < 1);
	path.round(1000, {inFlight: 1000 * RTT});
	t.is(bbr.state, BbrState.probeBandwidth, 'once in flight is down to one BDP');
	t.is(bbr.cwndGain, 2);
	t.is(bbr.bandwidth, 1000);
	t.is(bbr.minRtt, RTT);
	t.true(bbr.window <= 2 * 1000 * RTT + 1000 * 100, 'the window is 2 × BDP plus ACK aggregation');
});

test('random loss neither cuts the window nor the estimate; one loss event per round trip', (t) => {
	const bbr = new Bbr(SIZE, () => 0);
	const path = driver(bbr);
	for (const rate of [500, 1000, 1000, 1000, 1000]) path.round(rate);
	const window = bbr.window;
	const bandwidth = bbr.bandwidth;
	bbr.onPacketSent(SIZE, path.now);
	bbr.onPacketLost(SIZE);
	bbr.onCongestionEvent(path.now - 10, path.now);
	bbr.onCongestionEvent(path.now - 5, path.now + 1); // sent before the first event was handled
	t.is(bbr.window, window);
	t.is(bbr.bandwidth, bandwidth);
	t.is(bbr.congestionEvents, 0, 'no window cut');
	t.is(bbr.randomLosses, 1);
});

test('application-limited samples only raise the estimate, never lower it', (t) => {
	const bbr = new Bbr(SIZE, () => 0);
	const path = driver(bbr);
	path.round(1000);
	path.round(100, {appLimited: true});
	t.is(bbr.bandwidth, 1000, 'an idle application says nothing about the path');
	path.round(1500, {appLimited: true});
	t.is(bbr.bandwidth, 1500, 'but delivering faster than the estimate proves more bandwidth');
});

test('the estimate is the maximum of the last ten rounds: a slower path is adopted after them', (t) => {
	const bbr = new Bbr(SIZE, () => 0);
	const path = driver(bbr);
	for (let i = 0; i < 6; i++) path.round(1000);
	for (let i = 0; i < 9; i++) {
		path.round(400);
		t.is(bbr.bandwidth, 1000);
	}

	path.round(400);
	path.round(400);
	t.is(bbr.bandwidth, 400);
});

test('probe-bandwidth cycles its pacing gain: up until 1.25 BDP is in flight, down until 1 BDP, then cruise', (t) => {
	const bbr = new Bbr(SIZE, () => 0); // start in the first phase (gain 1.25)
	const path = driver(bbr);
	for (const rate of [1000, 1000, 1000, 1000]) path.round(rate);
	t.is(bbr.state, BbrState.probeBandwidth);
	const bdp = 1000 * RTT;
	t.is(bbr.pacingGain, PACING_GAINS[0]);
	path.round(1000, {inFlight: bdp});
	t.is(bbr.pacingGain, 1.25, 'not enough in flight yet: keep probing');
	path.round(1000, {inFlight: 1.3 * bdp});
	t.is(bbr.pacingGain, 0.75, 'probed: drain the queue probing made');
	path.round(1000, {inFlight: 1.2 * bdp});
	t.is(bbr.pacingGain, 0.75);
	path.round(1000, {inFlight: 0.9 * bdp});
	t.is(bbr.pacingGain, 1, 'drained: cruise');
	// Each phase lasts at least one min RTT (a round trip a little longer than the minimum).
	for (let phase = 3; phase < PACING_GAINS.length; phase++) {
		path.round(1000, {inFlight: bdp, rtt: RTT + 1});
	}

	t.is(bbr.pacingGain, 1);
	path.round(1000, {inFlight: bdp, rtt: RTT + 1});
	t.is(bbr.pacingGain, 1.25, 'the cycle starts over');
	t.true(Math.abs(bbr.pacingRate! - 1.25 * 0.99 * 1000) < 1e-9);
});

test('probe-RTT: a min RTT ten seconds old shrinks the window to four datagrams, then restores it', (t) => {
	const bbr = new Bbr(SIZE, () => 0.5);
	const path = driver(bbr);
	for (let i = 0; i < 5; i++) path.round(1000);
	const window = bbr.window;
	// A standing queue: every RTT sample is above the minimum until the minimum expires.
	const rounds = Math.ceil(MIN_RTT_WINDOW / 60) + 1;
	for (let i = 0; i < rounds && bbr.state !== BbrState.probeRtt; i++) {
		path.round(1000, {rtt: 60, inFlight: window});
	}

	t.is(bbr.state, BbrState.probeRtt);
	t.is(bbr.window, 4 * SIZE);
	path.round(1000, {rtt: 60, inFlight: 4 * SIZE});
	t.is(bbr.state, BbrState.probeRtt, 'held for PROBE_RTT_MS and a round trip');
	const until = path.now + PROBE_RTT_MS;
	while (path.now < until) path.round(1000, {rtt: 45, inFlight: 4 * SIZE});
	path.round(1000, {rtt: 45, inFlight: 4 * SIZE});
	t.is(bbr.state, BbrState.probeBandwidth);
	t.true(bbr.window >= window, 'the window from before probe-RTT is back');
	t.is(bbr.minRtt, 45, 'the new minimum was measured');
});

test('bbr is selectable by name', (t) => {
	t.is(createCongestionController('bbr', SIZE).name, 'bbr');
});

function randomBytes(length: number, seed: number): Buffer {
	const random = seededRandom(seed);
	const out = Buffer.allocUnsafe(length);
	for (let i = 0; i < length; i++) out[i] = (random() * 256) | 0;
	return out;
}

/** One transfer over a simulated 5 MB/s path with 20 ms each way; goodput in bytes per ms. */
function transfer(congestion: 'bbr' | 'cubic', loss: number, seed: number) {
	const network = new Network(seed);
	const a = new SimEndpoint('a', {congestion});
	const b = new SimEndpoint('b', {congestion});
	const link = {delay: 20, rate: 5000, queue: 200_000, loss};
	a.connect(new Link(network, link), b);
	b.connect(new Link(network, link), a);
	const data = randomBytes(6 * 1024 * 1024, seed + 1);
	const end = run(network, [a, b], [new Pump(a, data)], () => b.recvStream.isFinished, 300_000);
	return {intact: Buffer.concat(b.inbox).equals(data), goodput: data.length / end, a};
}

test('simulated path: bbr fills a clean path as cubic does, and keeps most of it under 2 % random loss', (t) => {
	const clean = transfer('bbr', 0, 20);
	const lossy = transfer('bbr', 0.02, 20);
	const cubicLossy = transfer('cubic', 0.02, 20);
	t.true(clean.intact && lossy.intact && cubicLossy.intact, 'byte-exact');
	t.true(clean.goodput > 0.8 * 5000, `clean ${clean.goodput.toFixed(0)} B/ms of 5000`);
	t.true(lossy.goodput > 0.7 * 5000, `2 % loss: ${lossy.goodput.toFixed(0)} B/ms of 5000`);
	t.true(lossy.goodput > cubicLossy.goodput, 'better than loss-based control under random loss');
	t.log(
		`bbr clean ${clean.goodput.toFixed(0)}, bbr 2 % ${lossy.goodput.toFixed(0)}, cubic 2 % ${cubicLossy.goodput.toFixed(0)} B/ms`,
	);
});
