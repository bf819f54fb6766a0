import {
	type AckFrame,
	ackLength,
	decodeAck,
	encodeAck,
	MAX_ACK_RANGES,
} from '../../../source/transport/ack-frame.js';
import {
	controlLength,
	decodeControl,
	encodeControl,
	isControlFrameType,
} from '../../../source/transport/control-frames.js';
import {
	encodeCloseFrame,
	FrameType,
	readCloseFrame,
	readDatagramFrame,
	writeDatagramFrame,
	datagramFrameLength,
	MAX_CLOSE_REASON_BYTES,
} from '../../../source/transport/frames.js';
import {decodeStream, encodeStream, streamLength} from '../../../source/transport/stream-frames.js';
import {Reader} from '../../../source/util/varint.js';
import {check, sameBytes, sameValue, type TargetSpec} from '../target.js';
import {framePlaintexts} from './frame-seeds.js';

/**
 * Every frame codec of the transport, on whole packet plaintexts: frames are read one after the
 * other with the individual decoders; each decoded frame is re-encoded (its length must match the
 * length function the sender budgets with) and decoded again to the same frame.
 */
export const framesTarget: TargetSpec = {
	name: 'frames',
	about:
		'transport frame codecs (ACK, STREAM, RESET/STOP, MAX_*, BLOCKED, CLOSE, DATAGRAM): decode, length, re-encode',
	create(random) {
		return {
			seeds: framePlaintexts(random, 1),
			dictionary: Object.values(FrameType).map((type) => Buffer.from([type])),
			maxBytes: 1500,
			run(input) {
				const reader = new Reader(input);
				const scratch = Buffer.alloc(input.length + 64);
				while (!reader.done) {
					const type = reader.u8();
					if (type === FrameType.padding || type === FrameType.ping) continue;
					if (type === FrameType.ack) {
						const frame = decodeAck(reader);
						if (!frame) return;
						checkAck(frame, scratch);
					} else if (type === FrameType.stream) {
						const frame = decodeStream(reader);
						if (!frame) return;
						const end = encodeStream(frame, scratch, 0);
						check(end === streamLength(frame), 'streamLength');
						const again = new Reader(scratch, 1, end);
						const decoded = decodeStream(again);
						check(decoded, 'STREAM does not decode again');
						sameValue(
							{...decoded, data: Buffer.from(decoded.data)},
							{...frame, data: Buffer.from(frame.data)},
							'STREAM round trip',
						);
					} else if (type === FrameType.close) {
						const frame = readCloseFrame(reader);
						if (!frame) return;
						const encoded = encodeCloseFrame(frame.code, frame.reason);
						const again = readCloseFrame(new Reader(encoded, 1));
						check(again?.code === frame.code, 'CLOSE code round trip');
						if (Buffer.byteLength(frame.reason) <= MAX_CLOSE_REASON_BYTES)
							check(again.reason === frame.reason, 'CLOSE reason round trip');
						return; // Nothing is read after a CLOSE.
					} else if (type === FrameType.datagram) {
						const data = readDatagramFrame(reader);
						if (!data) return;
						const end = writeDatagramFrame(scratch, 0, data);
						check(end === datagramFrameLength(data.length), 'datagramFrameLength');
						sameBytes(
							readDatagramFrame(new Reader(scratch, 1, end)) ?? new Uint8Array(),
							data,
							'DATAGRAM',
						);
					} else if (isControlFrameType(type)) {
						const frame = decodeControl(type, reader);
						if (!frame) return;
						const end = encodeControl(frame, scratch, 0);
						check(end === controlLength(frame), `controlLength of type ${type}`);
						sameValue(
							decodeControl(scratch[0], new Reader(scratch, 1, end)),
							frame,
							`type ${type}`,
						);
					} else {
						check(decodeControl(type, reader) === undefined, `type ${type} decoded`);
						return;
					}

					check(!reader.failed, 'a decoded frame left the reader failed');
				}
			},
		};
	},
};

function checkAck(frame: AckFrame, scratch: Buffer): void {
	const {ranges} = frame;
	check(ranges.length >= 2 && ranges.length % 2 === 0, 'ACK ranges are pairs');
	check(ranges.length / 2 <= MAX_ACK_RANGES, 'ACK range count bound');
	for (let i = 0; i < ranges.length; i += 2) {
		check(ranges[i] >= ranges[i + 1] && ranges[i + 1] >= 0, 'ACK range order');
		if (i > 0) check(ranges[i - 1] - ranges[i] >= 2, 'ACK ranges disjoint, not adjacent');
	}

	const end = encodeAck(frame, scratch, 0);
	check(end === ackLength(frame), 'ackLength');
	const again = decodeAck(new Reader(scratch, 1, end));
	sameValue(
		again && {delay: again.ackDelay, ranges: [...again.ranges]},
		{delay: frame.ackDelay, ranges: [...ranges]},
		'ACK round trip',
	);
}
