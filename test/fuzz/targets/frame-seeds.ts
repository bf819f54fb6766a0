import {type AckFrame, encodeAck, FRAME_ACK} from '../../../source/transport/ack-frame.js';
import {type ControlFrame, encodeControl} from '../../../source/transport/control-frames.js';
import {
	FRAME_DATA_BLOCKED,
	FRAME_MAX_DATA,
	FRAME_MAX_STREAM_DATA,
	FRAME_MAX_STREAMS,
	FRAME_STREAM_DATA_BLOCKED,
} from '../../../source/transport/flow-frames.js';
import {
	encodeCloseFrame,
	writeDatagramFrame,
	writePadding,
	writePingFrame,
} from '../../../source/transport/frames.js';
import {
	FRAME_RESET_STREAM,
	FRAME_STOP_SENDING,
	writeStreamHeader,
} from '../../../source/transport/stream-frames.js';
import type {Random} from '../random.js';

/**
 * Valid packet plaintexts made with the transport's own encoders: a few frames each, of every
 * type. `peerBit` is the low bit of stream ids the peer opens (1 when we are the initiator), so
 * STREAM frames open streams instead of being refused outright.
 */
export function framePlaintexts(random: Random, peerBit: number, largestSent = 20): Buffer[] {
	const seeds: Buffer[] = [];
	for (let i = 0; i < 48; i++) {
		const out = Buffer.alloc(1400);
		let offset = 0;
		const frames = random.between(1, 4);
		for (let f = 0; f < frames; f++) offset = writeFrame(out, offset, random, peerBit, largestSent);
		if (random.chance(0.3)) offset = writePadding(out, offset, offset + random.between(1, 40));
		seeds.push(out.subarray(0, offset));
	}

	return seeds;
}

function writeFrame(
	out: Buffer,
	offset: number,
	random: Random,
	peerBit: number,
	largestSent: number,
): number {
	const streamId = 4 * random.int(4) + peerBit;
	switch (random.int(8)) {
		case 0: {
			return writePingFrame(out, offset);
		}

		case 1: {
			return encodeAck(ackFrame(random, largestSent), out, offset);
		}

		case 2: {
			const data = random.bytes(random.smallLength(200));
			const fin = random.chance(0.3);
			offset = writeStreamHeader(
				out,
				offset,
				streamId,
				random.chance(0.7) ? 0 : random.int(5000),
				data.length,
				fin,
			);
			data.copy(out, offset);
			return offset + data.length;
		}

		case 3: {
			return writeDatagramFrame(out, offset, random.bytes(random.smallLength(100)));
		}

		case 4: {
			const close = encodeCloseFrame(
				random.int(5),
				random.chance(0.5) ? 'bye' : 'protocol violation: é',
			);
			close.copy(out, offset);
			return offset + close.length;
		}

		default: {
			return encodeControl(controlFrame(random, streamId), out, offset);
		}
	}
}

function ackFrame(random: Random, largestSent: number): AckFrame {
	const ranges: number[] = [];
	let high = random.int(largestSent + 1);
	while (high >= 0 && ranges.length < 8) {
		const low = Math.max(0, high - random.int(4));
		ranges.push(high, low);
		high = low - 2 - random.int(3);
	}

	return {type: FRAME_ACK, ackDelay: random.int(5000), ranges};
}

function controlFrame(random: Random, streamId: number): ControlFrame {
	const value = random.chance(0.5) ? random.int(1 << 20) : random.int(1 << 30);
	switch (random.int(7)) {
		case 0: {
			return {
				type: FRAME_RESET_STREAM,
				streamId,
				errorCode: random.int(2),
				finalSize: random.int(3000),
			};
		}

		case 1: {
			return {type: FRAME_STOP_SENDING, streamId, errorCode: random.int(2)};
		}

		case 2: {
			return {type: FRAME_MAX_DATA, maximum: value};
		}

		case 3: {
			return {type: FRAME_MAX_STREAM_DATA, streamId, maximum: value};
		}

		case 4: {
			return {type: FRAME_DATA_BLOCKED, limit: value};
		}

		case 5: {
			return {type: FRAME_STREAM_DATA_BLOCKED, streamId, limit: value};
		}

		default: {
			return {type: FRAME_MAX_STREAMS, maximum: random.between(1, 1000)};
		}
	}
}
