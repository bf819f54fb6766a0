import test from 'ava';
import fc from 'fast-check';
import {
	type AckFrame,
	ackLength,
	createAckFrame,
	decodeAck,
	encodeAck,
	FRAME_ACK,
	MAX_ACK_RANGES,
} from '../../source/transport/ack-frame.js';
import {Reader} from '../../source/util/varint.js';

/** Arbitrary valid ACK frames: disjoint, non-adjacent inclusive ranges, highest first. */
const ackFrames = fc
	.record({
		smallest: fc.integer({min: 0, max: 2 ** 32}),
		steps: fc.array(fc.tuple(fc.integer({min: 0, max: 5000}), fc.integer({min: 1, max: 5000})), {
			minLength: 1,
			maxLength: MAX_ACK_RANGES,
		}),
		ackDelay: fc.integer({min: 0, max: 2 ** 40}),
	})
	.map(({smallest, steps, ackDelay}) => {
		// Build upward, then reverse into highest-first pairs.
		const ascending: number[] = [];
		let low = smallest;
		for (const [length, gap] of steps) {
			ascending.push(low, low + length);
			low = low + length + gap + 1;
		}

		const ranges: number[] = [];
		for (let i = ascending.length - 2; i >= 0; i -= 2) ranges.push(ascending[i + 1], ascending[i]);
		const frame: AckFrame = {type: FRAME_ACK, ackDelay, ranges};
		return frame;
	});

function encode(frame: AckFrame): Uint8Array {
	const buffer = new Uint8Array(ackLength(frame) + 4);
	const end = encodeAck(frame, buffer, 2);
	return buffer.subarray(2, end);
}

test('property: ACK frames round-trip and their length is exact', (t) => {
	fc.assert(
		fc.property(ackFrames, (frame) => {
			const bytes = encode(frame);
			if (bytes.length !== ackLength(frame) || bytes[0] !== FRAME_ACK) return false;
			const reader = new Reader(bytes, 1);
			const decoded = decodeAck(reader);
			return (
				decoded !== undefined &&
				reader.done &&
				decoded.ackDelay === frame.ackDelay &&
				decoded.ranges.join() === frame.ranges.join()
			);
		}),
	);
	t.pass();
});

test('property: every truncation of a valid frame is refused', (t) => {
	fc.assert(
		fc.property(ackFrames, fc.nat(), (frame, cut) => {
			const bytes = encode(frame);
			const end = 1 + (cut % (bytes.length - 1));
			return decodeAck(new Reader(bytes, 1, end)) === undefined || end === bytes.length;
		}),
	);
	t.pass();
});

test('property: random bytes never throw and decoded ranges stay valid', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 64}), (bytes) => {
			const frame = decodeAck(new Reader(bytes));
			if (!frame) return true;
			const r = frame.ranges;
			for (let i = 0; i < r.length; i += 2) {
				if (r[i + 1] < 0 || r[i + 1] > r[i]) return false;
				if (i > 0 && r[i] >= r[i - 1] - 1) return false;
			}

			return r.length / 2 <= MAX_ACK_RANGES;
		}),
	);
	t.pass();
});

test('dozens of ranges fit and decode (no 32-packet bitmask cap)', (t) => {
	const ranges: number[] = [];
	for (let i = 0; i < 80; i++) ranges.push(1000 - 3 * i, 1000 - 3 * i - 1);
	const frame: AckFrame = {type: FRAME_ACK, ackDelay: 1234, ranges};
	const decoded = decodeAck(new Reader(encode(frame), 1));
	t.is(decoded?.ranges.length, 160);
	t.deepEqual(decoded?.ranges, ranges);
});

test('refuses more than MAX_ACK_RANGES ranges, ranges below zero and a first range past 0', (t) => {
	const tooMany = Buffer.from([0x41, 0x00, 0x00, 0x41, 0x00, 0x00]); // count 256
	t.is(decodeAck(new Reader(tooMany)), undefined);
	// Largest 5, first range 6: would acknowledge packet -1.
	t.is(decodeAck(new Reader(Buffer.from([5, 0, 0, 6]))), undefined);
	// Largest 5, first range 2 (3..5), gap 2 → next high = 3 - 2 - 2 = -1.
	t.is(decodeAck(new Reader(Buffer.from([5, 0, 1, 2, 2, 0]))), undefined);
	// Largest 5, first range 2, gap 0 → high 1, length 1 → 0..1: valid.
	t.deepEqual(decodeAck(new Reader(Buffer.from([5, 0, 1, 2, 0, 1])))?.ranges, [5, 3, 1, 0]);
});

test('decodeAck reuses the frame it is given', (t) => {
	const into = createAckFrame();
	const bytes = encode({type: FRAME_ACK, ackDelay: 7, ranges: [10, 8, 4, 4]});
	t.is(decodeAck(new Reader(bytes, 1), into), into);
	t.deepEqual(into.ranges, [10, 8, 4, 4]);
});
