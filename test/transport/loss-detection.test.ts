import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {type AckFrame, FRAME_ACK} from '../../source/transport/ack-frame.js';
import {LossDetection} from '../../source/transport/loss-detection.js';
import {NewReno} from '../../source/transport/new-reno.js';

const SIZE = 1200;

function setup(maxProbes = 10) {
	const acked: number[] = [];
	const spurious: number[] = [];
	const lost: number[] = [];
	const recovery = new LossDetection<string>(
		{
			onPacketAcked(packet, wasLost) {
				(wasLost ? spurious : acked).push(packet.packetNumber);
			},
			onPacketLost(packet) {
				lost.push(packet.packetNumber);
			},
		},
		new NewReno(SIZE),
		{maxProbes, maxAckDelay: 25},
	);
	const send = (now: number, options: {probe?: boolean; ackEliciting?: boolean} = {}) => {
		const packet = recovery.sent.prepare();
		packet.isMtuProbe = options.probe ?? false;
		packet.addStream(4, packet.packetNumber * 1000, 1000, false);
		const ackEliciting = options.ackEliciting ?? true;
		recovery.onPacketSent(packet, now, SIZE, ackEliciting, ackEliciting);
		return packet.packetNumber;
	};

	return {recovery, acked, spurious, lost, send};
}

/** ACK frame from inclusive [high, low] pairs, highest first. */
function ack(ranges: number[], ackDelayMicros = 0): AckFrame {
	return {type: FRAME_ACK, ackDelay: ackDelayMicros, ranges};
}

test('packet threshold: packets three below the largest acknowledged are lost', (t) => {
	const {recovery, acked, lost, send} = setup();
	for (let i = 0; i < 10; i++) send(i);
	t.is(recovery.onAck(ack([9, 5]), 50), undefined);
	t.deepEqual(acked, [5, 6, 7, 8, 9]);
	t.deepEqual(lost, [0, 1, 2, 3, 4]);
	t.is(recovery.stats.packetsLost, 5);
	t.is(recovery.congestion.congestionEvents, 1, 'one flight, one cut');
	t.is(recovery.sent.front, 10);
	t.is(recovery.timerDeadline(), Number.POSITIVE_INFINITY, 'nothing outstanding');
});

test('time threshold: 9/8 RTT after a later packet was acknowledged, via the loss timer', (t) => {
	const {recovery, lost, send} = setup();
	send(0);
	send(1);
	send(2);
	recovery.onAck(ack([2, 2]), 100); // RTT sample 98
	t.deepEqual(lost, []);
	const deadline = recovery.timerDeadline();
	t.is(deadline, 0 + (9 / 8) * 98);
	recovery.onTimeout(deadline - 0.1);
	t.deepEqual(lost, []);
	recovery.onTimeout(deadline);
	t.deepEqual(lost, [0]);
	t.is(recovery.timerDeadline(), 1 + (9 / 8) * 98);
	recovery.onTimeout(1 + (9 / 8) * 98);
	t.deepEqual(lost, [0, 1]);
});

test('RTT comes from the newly acknowledged largest packet, minus the reported ack delay', (t) => {
	const {recovery, send} = setup();
	send(0);
	send(10);
	recovery.onAck(ack([1, 0], 5000), 70); // 60 ms after packet 1, 5 ms of it at the peer
	t.is(recovery.rtt.latest, 60);
	recovery.onAck(ack([1, 0], 5000), 200);
	t.is(recovery.rtt.samples, 1, 'a repeated ACK is no new sample');
});

test('probe timeout: exponential backoff, probes bypass the window, then a clear error', (t) => {
	const {recovery, send} = setup(3);
	send(0);
	const pto = recovery.rtt.pto();
	t.is(recovery.timerDeadline(), pto);
	t.is(recovery.onTimeout(pto), undefined);
	t.is(recovery.ptoCount, 1);
	t.is(recovery.probesPending, 2);
	t.true(recovery.canSend(SIZE));
	send(pto);
	send(pto);
	t.is(recovery.probesPending, 0);
	t.is(recovery.timerDeadline(), pto + 2 * pto, 'backed off ×2 from the last probe');
	recovery.onTimeout(3 * pto);
	send(3 * pto);
	t.is(recovery.timerDeadline(), 3 * pto + 4 * pto);
	recovery.onTimeout(7 * pto);
	send(7 * pto);
	const error = recovery.onTimeout(7 * pto + 8 * pto);
	t.true(isTornetError(error, 'CONNECTION_CLOSED'));
	t.regex(error!.message, /peer unreachable: no acknowledgement after 3 probes/);
	t.is(recovery.error, error);
});

test('an ACK resets the backoff', (t) => {
	const {recovery, send} = setup(3);
	send(0);
	recovery.onTimeout(recovery.timerDeadline());
	recovery.onTimeout(recovery.timerDeadline());
	t.is(recovery.ptoCount, 2);
	const probe = send(3000);
	recovery.onAck(ack([probe, probe]), 3050);
	t.is(recovery.ptoCount, 0);
});

test('an ACK for a packet never sent is a protocol violation', (t) => {
	const {recovery, send} = setup();
	send(0);
	t.true(isTornetError(recovery.onAck(ack([5, 0]), 10), 'PROTOCOL_VIOLATION'));
});

test('a packet declared lost and acknowledged later is reported as a spurious loss', (t) => {
	const {recovery, lost, spurious, send} = setup();
	for (let i = 0; i < 5; i++) send(i);
	recovery.onAck(ack([4, 4]), 40);
	t.deepEqual(lost, [0, 1]);
	recovery.onAck(ack([4, 0]), 45);
	t.deepEqual(spurious, [0, 1]);
	t.is(recovery.stats.spuriousLosses, 2);
	recovery.onAck(ack([4, 0]), 46);
	t.deepEqual(spurious, [0, 1], 'once only');
});

test('a lost path-MTU probe is no congestion signal', (t) => {
	const {recovery, lost, send} = setup();
	send(0, {probe: true});
	for (let i = 1; i < 5; i++) send(i);
	const window = recovery.congestion.window;
	recovery.onAck(ack([4, 1]), 30);
	t.deepEqual(lost, [0]);
	t.is(recovery.congestion.congestionEvents, 0);
	t.true(recovery.congestion.window >= window);
	t.is(recovery.congestion.bytesInFlight, 0);
});

test('ACK-only packets are not in flight and arm no probe timer', (t) => {
	const {recovery, send} = setup();
	send(0, {ackEliciting: false});
	t.is(recovery.congestion.bytesInFlight, 0);
	t.is(recovery.timerDeadline(), Number.POSITIVE_INFINITY);
});

test('a long run of losses spanning 3 PTOs is persistent congestion: minimum window', (t) => {
	const {recovery, send} = setup();
	send(0);
	recovery.onAck(ack([0, 0]), 10); // RTT 10: persistent period = (10 + 20 + 25) × 3 = 165 ms
	for (let now = 20; now <= 400; now += 20) send(now);
	const last = send(401);
	recovery.onAck(ack([last, last]), 420);
	t.is(recovery.stats.persistentCongestion, 1);
	t.is(recovery.congestion.window, 2 * SIZE);
});

test('the sent-packet ring grows past its initial size and keeps every slot', (t) => {
	const {recovery, acked, lost, send} = setup();
	for (let i = 0; i < 1000; i++) send(i / 100);
	recovery.onAck(ack([999, 500, 498, 0]), 20);
	t.is(acked.length, 999);
	t.deepEqual(lost, [499]);
	t.is(recovery.sent.front, 1000);
});

test('spurious losses raise the reordering thresholds (packet distance, then time)', (t) => {
	const {recovery, lost, spurious, send} = setup();
	for (let i = 0; i < 10; i++) send(i);
	recovery.onAck(ack([9, 9]), 40); // 0..6 lost by packet threshold, 7 and 8 wait
	t.deepEqual(lost, [0, 1, 2, 3, 4, 5, 6]);
	recovery.onAck(ack([9, 0]), 41); // all of them were only reordered
	t.deepEqual(spurious, [0, 1, 2, 3, 4, 5, 6]);
	t.is(recovery.packetThreshold, 10, 'packet 0 was 9 behind the largest acknowledged');
	for (let i = 10; i < 20; i++) send(50 + i);
	recovery.onAck(ack([19, 12]), 80);
	t.is(lost.length, 7, 'nine behind is now within the reordering window');

	t.is(recovery.timeThreshold, 9 / 8);
	const late = setup();
	late.send(0);
	late.send(1);
	late.recovery.onAck(ack([1, 1]), 40);
	late.recovery.onTimeout(late.recovery.timerDeadline());
	t.deepEqual(late.lost, [0]);
	late.recovery.onAck(ack([1, 0]), 90);
	t.deepEqual(late.spurious, [0]);
	t.is(late.recovery.timeThreshold, 9 / 8 + 1 / 8);
});
