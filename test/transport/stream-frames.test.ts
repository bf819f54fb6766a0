import test from 'ava';
import fc from 'fast-check';
import {
	type ControlFrame,
	controlLength,
	decodeControl,
	encodeControl,
	isControlFrameType,
} from '../../source/transport/control-frames.js';
import {
	FRAME_DATA_BLOCKED,
	FRAME_MAX_DATA,
	FRAME_MAX_STREAM_DATA,
	FRAME_MAX_STREAMS,
	FRAME_STREAM_DATA_BLOCKED,
} from '../../source/transport/flow-frames.js';
import {
	decodeStream,
	encodeStream,
	FRAME_RESET_STREAM,
	FRAME_STOP_SENDING,
	FRAME_STREAM,
	type StreamFrame,
	streamDataRoom,
	streamHeaderLength,
	streamLength,
} from '../../source/transport/stream-frames.js';
import {Reader, VARINT_MAX} from '../../source/util/varint.js';

const varint = fc.oneof(
	fc.integer({min: 0, max: 100}),
	fc.integer({min: 0, max: 2 ** 32}),
	fc.integer({min: 0, max: VARINT_MAX}),
);

const streamFrames = fc
	.record({
		streamId: varint,
		offset: fc.integer({min: 0, max: 2 ** 40}),
		data: fc.uint8Array({maxLength: 300}),
		fin: fc.boolean(),
	})
	.map((fields): StreamFrame => ({type: FRAME_STREAM, ...fields}));

const controlFrames: fc.Arbitrary<ControlFrame> = fc.oneof(
	fc.record({
		type: fc.constant(FRAME_RESET_STREAM),
		streamId: varint,
		errorCode: varint,
		finalSize: varint,
	}),
	fc.record({type: fc.constant(FRAME_STOP_SENDING), streamId: varint, errorCode: varint}),
	fc.record({type: fc.constant(FRAME_MAX_DATA), maximum: varint}),
	fc.record({type: fc.constant(FRAME_MAX_STREAM_DATA), streamId: varint, maximum: varint}),
	fc.record({type: fc.constant(FRAME_DATA_BLOCKED), limit: varint}),
	fc.record({type: fc.constant(FRAME_STREAM_DATA_BLOCKED), streamId: varint, limit: varint}),
	fc.record({type: fc.constant(FRAME_MAX_STREAMS), maximum: varint}),
);

test('property: STREAM frames round-trip, back to back in one buffer', (t) => {
	fc.assert(
		fc.property(fc.array(streamFrames, {minLength: 1, maxLength: 4}), (frames) => {
			const total = frames.reduce((sum, frame) => sum + streamLength(frame), 0);
			const buffer = new Uint8Array(total);
			let at = 0;
			for (const frame of frames) at = encodeStream(frame, buffer, at);
			if (at !== total) return false;
			const reader = new Reader(buffer);
			for (const frame of frames) {
				if (reader.u8() !== FRAME_STREAM) return false;
				const decoded = decodeStream(reader);
				if (!decoded) return false;
				if (
					decoded.streamId !== frame.streamId ||
					decoded.offset !== frame.offset ||
					decoded.fin !== frame.fin ||
					Buffer.compare(decoded.data, frame.data) !== 0
				) {
					return false;
				}
			}

			return reader.done;
		}),
	);
	t.pass();
});

test('property: control frames round-trip and truncations are refused', (t) => {
	fc.assert(
		fc.property(controlFrames, fc.nat(), (frame, cut) => {
			const buffer = new Uint8Array(controlLength(frame));
			if (encodeControl(frame, buffer, 0) !== buffer.length) return false;
			if (!isControlFrameType(buffer[0])) return false;
			const decoded = decodeControl(buffer[0], new Reader(buffer, 1));
			if (JSON.stringify(decoded) !== JSON.stringify(frame)) return false;
			const end = 1 + (cut % (buffer.length - 1));
			return (
				end === buffer.length || decodeControl(buffer[0], new Reader(buffer, 1, end)) === undefined
			);
		}),
	);
	t.pass();
});

test('property: random bytes never throw in any decoder', (t) => {
	fc.assert(
		fc.property(fc.integer({min: 0, max: 15}), fc.uint8Array({maxLength: 40}), (type, bytes) => {
			decodeControl(type, new Reader(bytes));
			const frame = decodeStream(new Reader(bytes));
			return frame === undefined || frame.offset + frame.data.length <= VARINT_MAX;
		}),
	);
	t.pass();
});

test('STREAM refuses unknown flags, truncated data and offsets past 2^53', (t) => {
	const frame: StreamFrame = {
		type: FRAME_STREAM,
		streamId: 3,
		offset: 9,
		data: Buffer.from('hi'),
		fin: true,
	};
	const bytes = new Uint8Array(streamLength(frame));
	encodeStream(frame, bytes, 0);
	t.truthy(decodeStream(new Reader(bytes, 1)));
	t.is(decodeStream(new Reader(bytes, 1, bytes.length - 1)), undefined);
	const flagged = Uint8Array.from(bytes);
	flagged[1] |= 0x02;
	t.is(decodeStream(new Reader(flagged, 1)), undefined);
	const huge: StreamFrame = {...frame, offset: VARINT_MAX - 1};
	const hugeBytes = new Uint8Array(streamLength(huge));
	encodeStream(huge, hugeBytes, 0);
	t.is(decodeStream(new Reader(hugeBytes, 1)), undefined);
});

test('property: streamDataRoom gives the largest payload whose frame fits', (t) => {
	fc.assert(
		fc.property(
			varint,
			fc.integer({min: 0, max: 2 ** 40}),
			fc.integer({min: 0, max: 20_000}),
			(id, offset, room) => {
				const data = streamDataRoom(id, offset, room);
				if (data === 0)
					return (
						streamHeaderLength(id, offset, 1) + 1 > room || room < streamHeaderLength(id, offset, 0)
					);
				return (
					streamHeaderLength(id, offset, data) + data <= room &&
					streamHeaderLength(id, offset, data + 1) + data + 1 > room
				);
			},
		),
	);
	t.pass();
});
