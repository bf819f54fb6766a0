import test from 'ava';
import fc from 'fast-check';
import {ackLength, decodeAck, encodeAck} from '../../source/transport/ack-frame.js';
import {ReceivedPackets} from '../../source/transport/received-packets.js';
import {Reader} from '../../source/util/varint.js';

/** The packet numbers an ACK frame acknowledges. */
function acknowledged(ranges: number[]): Set<number> {
	const set = new Set<number>();
	for (let i = 0; i < ranges.length; i += 2) {
		for (let pn = ranges[i + 1]; pn <= ranges[i]; pn++) set.add(pn);
	}

	return set;
}

test('property: under random loss, reordering and duplication the ACK describes exactly what arrived', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.integer({min: 0, max: 400}), {maxLength: 600}),
			fc.integer({min: 0, max: 1000}),
			(arrivals, seed) => {
				const received = new ReceivedPackets({maxRanges: 256});
				const truth = new Set<number>();
				let now = seed;
				for (const pn of arrivals) {
					const fresh = received.onPacket(pn, true, now++);
					if (fresh === truth.has(pn)) return false; // duplicates, and only they, are refused
					truth.add(pn);
				}

				const frame = received.buildAck(now, 4096);
				if (truth.size === 0) return frame === undefined;
				if (!frame) return false;
				// Round-trip through the codec: what the sender will see.
				const buffer = new Uint8Array(ackLength(frame));
				encodeAck(frame, buffer, 0);
				const decoded = decodeAck(new Reader(buffer, 1))!;
				const seen = acknowledged(decoded.ranges);
				return seen.size === truth.size && [...truth].every((pn) => seen.has(pn));
			},
		),
	);
	t.pass();
});

test('an ACK with losses every third packet carries dozens of ranges', (t) => {
	const received = new ReceivedPackets();
	for (let pn = 0; pn < 300; pn++) if (pn % 3 !== 1) received.onPacket(pn, true, 0);
	const frame = received.buildAck(0)!;
	t.true(frame.ranges.length / 2 >= 60, `${frame.ranges.length / 2} ranges`);
	t.true(ackLength(frame) <= 320);
	t.is(frame.ranges[0], 299);
});

test('buildAck keeps the newest ranges that fit in maxBytes', (t) => {
	const received = new ReceivedPackets();
	for (let pn = 0; pn < 1000; pn += 2) received.onPacket(pn, true, 0);
	const frame = received.buildAck(0, 40)!;
	t.true(ackLength(frame) <= 40);
	t.is(frame.ranges[0], 998);
	t.true(frame.ranges.length >= 10);
});

test('the set is bounded: past maxRanges the oldest ranges are forgotten and count as duplicates', (t) => {
	const received = new ReceivedPackets({maxRanges: 16});
	for (let pn = 0; pn < 100; pn += 2) received.onPacket(pn, true, 0);
	t.is(received.ranges.count, 16);
	t.is(received.ranges.min, 68);
	t.false(received.onPacket(1, true, 0), 'too old to tell: refused');
	t.true(received.onPacket(99, true, 0));
});

test('ACK timing: every second ack-eliciting packet, at once on reordering, else after max_ack_delay', (t) => {
	const received = new ReceivedPackets({maxAckDelay: 25});
	t.is(received.ackDeadline(), Number.POSITIVE_INFINITY);
	received.onPacket(0, true, 100);
	t.is(received.ackDeadline(), 125);
	t.false(received.shouldSendAck(124));
	t.true(received.shouldSendAck(125));
	received.onPacket(1, true, 101);
	t.true(received.shouldSendAck(101), 'second ack-eliciting packet');
	received.onAckSent();
	t.is(received.ackDeadline(), Number.POSITIVE_INFINITY);

	received.onPacket(3, true, 110);
	t.true(received.shouldSendAck(110), 'a gap (packet 2 missing) is reported at once');
	received.onAckSent();
	received.onPacket(2, true, 111);
	t.true(received.shouldSendAck(111), 'a late packet is reported at once');
	received.onAckSent();

	received.onPacket(4, false, 120);
	received.onPacket(5, false, 121);
	t.is(received.ackDeadline(), Number.POSITIVE_INFINITY, 'ACK-only packets elicit nothing');
	t.true(received.hasUnacked);
});

test('ack delay is the time since the largest packet arrived, in microseconds', (t) => {
	const received = new ReceivedPackets();
	received.onPacket(7, true, 1000);
	received.onPacket(3, true, 1005);
	t.is(received.buildAck(1012.5)!.ackDelay, 12_500);
});

test('once the peer saw an ACK, the ranges it covered are no longer repeated', (t) => {
	const received = new ReceivedPackets();
	for (let pn = 0; pn < 50; pn += 2) received.onPacket(pn, true, 0);
	received.onAckAcknowledged(30);
	const frame = received.buildAck(0)!;
	t.is(frame.ranges.at(-1), 32);
	t.false(received.onPacket(29, true, 0), 'below what the peer knows we acknowledged');
});
