import test from 'ava';
import {INITIAL_RTT, RttEstimator} from '../../source/transport/rtt-estimator.js';

test('before any sample: RFC 9002 initial values (333 ms, variance 166.5)', (t) => {
	const rtt = new RttEstimator(25);
	t.false(rtt.hasSample);
	t.is(rtt.smoothed, INITIAL_RTT);
	t.is(rtt.variance, INITIAL_RTT / 2);
	t.is(rtt.pto(), 333 + 4 * 166.5 + 25);
});

test('first sample: smoothed = R, variance = R/2 (RFC 6298 §2.2), ack delay ignored', (t) => {
	const rtt = new RttEstimator(25);
	rtt.update(100, 20);
	t.is(rtt.min, 100);
	t.is(rtt.smoothed, 100);
	t.is(rtt.variance, 50);
	t.is(rtt.rto(), 100 + 200);
	t.is(rtt.pto(), 100 + 200 + 25);
});

test('later samples: RFC 6298 §2.3 smoothing with the ack delay subtracted (RFC 9002 §5.3)', (t) => {
	const rtt = new RttEstimator(25);
	rtt.update(100, 0);
	rtt.update(200, 10);
	// adjusted = 200 − 10 = 190; variance = ¾·50 + ¼·|100 − 190| = 60; smoothed = ⅞·100 + ⅛·190.
	t.is(rtt.variance, 60);
	t.is(rtt.smoothed, 111.25);
	t.is(rtt.latest, 200);
	t.is(rtt.min, 100);
});

test('ack delay is not subtracted below min_rtt, and is capped at max_ack_delay', (t) => {
	const below = new RttEstimator(25);
	below.update(100, 0);
	below.update(105, 10); // 105 < 100 + 10: keep 105
	t.is(below.smoothed, 0.875 * 100 + 0.125 * 105);

	const capped = new RttEstimator(25);
	capped.update(100, 0);
	capped.update(300, 100); // delay capped to 25: adjusted 275
	t.is(capped.smoothed, 0.875 * 100 + 0.125 * 275);
	t.is(capped.variance, 0.75 * 50 + 0.25 * 175);
});

test('min_rtt follows the smallest raw sample; a steady path converges', (t) => {
	const rtt = new RttEstimator(0);
	rtt.update(50, 0);
	rtt.update(40, 0);
	t.is(rtt.min, 40);
	for (let i = 0; i < 200; i++) rtt.update(40, 0);
	t.true(Math.abs(rtt.smoothed - 40) < 0.01);
	t.true(rtt.variance < 0.01);
	t.is(rtt.rto(), rtt.smoothed + 1, 'variance term never below the 1 ms granularity');
});
