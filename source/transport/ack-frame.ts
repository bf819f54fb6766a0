import {type Reader, varintLength, writeVarint} from '../util/varint.js';

export const FRAME_ACK = 0x04;

/**
 * Far more ranges than a 32-packet bitmask (the cap that made libtorrent's uTP collapse under
 * loss), yet a bound on the work one frame can ask of the sender.
 */
export const MAX_ACK_RANGES = 256;

/**
 * ACK (RFC 9000 §19.3 layout, one packet number space, ack delay in microseconds):
 * type, largest acknowledged, ack delay, range count, first range, then (gap, length) pairs.
 *
 * `ranges` is flat: [largest0, smallest0, largest1, smallest1, …], inclusive, highest range
 * first, ranges disjoint and non-adjacent (there is at least one missing packet between two).
 */
export type AckFrame = {
	type: typeof FRAME_ACK;
	/** Time the receiver held the largest acknowledged packet before acknowledging it, in µs. */
	ackDelay: number;
	ranges: number[];
};

export function createAckFrame(): AckFrame {
	return {type: FRAME_ACK, ackDelay: 0, ranges: []};
}

export function largestAcknowledged(frame: AckFrame): number {
	return frame.ranges[0];
}

export function ackLength(frame: AckFrame): number {
	const ranges = frame.ranges;
	const pairs = ranges.length >>> 1;
	let length =
		1 +
		varintLength(ranges[0]) +
		varintLength(frame.ackDelay) +
		varintLength(pairs - 1) +
		varintLength(ranges[0] - ranges[1]);
	for (let i = 2; i < ranges.length; i += 2) {
		length += varintLength(ranges[i - 1] - ranges[i] - 2) + varintLength(ranges[i] - ranges[i + 1]);
	}

	return length;
}

/** Writes the frame (type byte included) and returns the offset after it. */
export function encodeAck(frame: AckFrame, buffer: Uint8Array, offset: number): number {
	const ranges = frame.ranges;
	buffer[offset++] = FRAME_ACK;
	offset = writeVarint(buffer, offset, ranges[0]);
	offset = writeVarint(buffer, offset, frame.ackDelay);
	offset = writeVarint(buffer, offset, (ranges.length >>> 1) - 1);
	offset = writeVarint(buffer, offset, ranges[0] - ranges[1]);
	for (let i = 2; i < ranges.length; i += 2) {
		offset = writeVarint(buffer, offset, ranges[i - 1] - ranges[i] - 2);
		offset = writeVarint(buffer, offset, ranges[i] - ranges[i + 1]);
	}

	return offset;
}

/**
 * Reads an ACK frame after its type byte. Total: undefined for truncated input, more than
 * MAX_ACK_RANGES ranges, or ranges that would go below packet number 0. Pass `into` to reuse a
 * frame object on the receive path.
 */
export function decodeAck(reader: Reader, into: AckFrame = createAckFrame()): AckFrame | undefined {
	const largest = reader.varint();
	const ackDelay = reader.varint();
	const extraRanges = reader.varint();
	const firstRange = reader.varint();
	if (reader.failed || extraRanges >= MAX_ACK_RANGES || firstRange > largest) return undefined;
	const ranges = into.ranges;
	ranges.length = 0;
	ranges.push(largest, largest - firstRange);
	let smallest = largest - firstRange;
	for (let i = 0; i < extraRanges; i++) {
		const gap = reader.varint();
		const length = reader.varint();
		if (reader.failed) return undefined;
		const high = smallest - gap - 2;
		const low = high - length;
		if (high < 0 || low < 0) return undefined;
		ranges.push(high, low);
		smallest = low;
	}

	into.ackDelay = ackDelay;
	return into;
}
