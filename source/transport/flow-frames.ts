import {type Reader, varintLength, writeVarint} from '../util/varint.js';

export const FRAME_MAX_DATA = 0x08;
export const FRAME_MAX_STREAM_DATA = 0x09;
export const FRAME_DATA_BLOCKED = 0x0a;
export const FRAME_STREAM_DATA_BLOCKED = 0x0b;
export const FRAME_MAX_STREAMS = 0x0c;

/** The peer may send connection data up to byte `maximum` (sum over streams). */
export type MaxDataFrame = {type: typeof FRAME_MAX_DATA; maximum: number};
/** The peer may send stream `streamId` data up to byte offset `maximum`. */
export type MaxStreamDataFrame = {
	type: typeof FRAME_MAX_STREAM_DATA;
	streamId: number;
	maximum: number;
};
/** The sender had data to send but the connection window (`limit`) stopped it. */
export type DataBlockedFrame = {type: typeof FRAME_DATA_BLOCKED; limit: number};
export type StreamDataBlockedFrame = {
	type: typeof FRAME_STREAM_DATA_BLOCKED;
	streamId: number;
	limit: number;
};
/** The peer may open streams until it has opened `maximum` in total. */
export type MaxStreamsFrame = {type: typeof FRAME_MAX_STREAMS; maximum: number};

export function maxDataLength(frame: MaxDataFrame): number {
	return 1 + varintLength(frame.maximum);
}

export function encodeMaxData(frame: MaxDataFrame, buffer: Uint8Array, offset: number): number {
	buffer[offset] = FRAME_MAX_DATA;
	return writeVarint(buffer, offset + 1, frame.maximum);
}

export function decodeMaxData(reader: Reader): MaxDataFrame | undefined {
	const maximum = reader.varint();
	return reader.failed ? undefined : {type: FRAME_MAX_DATA, maximum};
}

export function maxStreamDataLength(frame: MaxStreamDataFrame): number {
	return 1 + varintLength(frame.streamId) + varintLength(frame.maximum);
}

export function encodeMaxStreamData(
	frame: MaxStreamDataFrame,
	buffer: Uint8Array,
	offset: number,
): number {
	buffer[offset] = FRAME_MAX_STREAM_DATA;
	offset = writeVarint(buffer, offset + 1, frame.streamId);
	return writeVarint(buffer, offset, frame.maximum);
}

export function decodeMaxStreamData(reader: Reader): MaxStreamDataFrame | undefined {
	const streamId = reader.varint();
	const maximum = reader.varint();
	return reader.failed ? undefined : {type: FRAME_MAX_STREAM_DATA, streamId, maximum};
}

export function dataBlockedLength(frame: DataBlockedFrame): number {
	return 1 + varintLength(frame.limit);
}

export function encodeDataBlocked(
	frame: DataBlockedFrame,
	buffer: Uint8Array,
	offset: number,
): number {
	buffer[offset] = FRAME_DATA_BLOCKED;
	return writeVarint(buffer, offset + 1, frame.limit);
}

export function decodeDataBlocked(reader: Reader): DataBlockedFrame | undefined {
	const limit = reader.varint();
	return reader.failed ? undefined : {type: FRAME_DATA_BLOCKED, limit};
}

export function streamDataBlockedLength(frame: StreamDataBlockedFrame): number {
	return 1 + varintLength(frame.streamId) + varintLength(frame.limit);
}

export function encodeStreamDataBlocked(
	frame: StreamDataBlockedFrame,
	buffer: Uint8Array,
	offset: number,
): number {
	buffer[offset] = FRAME_STREAM_DATA_BLOCKED;
	offset = writeVarint(buffer, offset + 1, frame.streamId);
	return writeVarint(buffer, offset, frame.limit);
}

export function decodeStreamDataBlocked(reader: Reader): StreamDataBlockedFrame | undefined {
	const streamId = reader.varint();
	const limit = reader.varint();
	return reader.failed ? undefined : {type: FRAME_STREAM_DATA_BLOCKED, streamId, limit};
}

export function maxStreamsLength(frame: MaxStreamsFrame): number {
	return 1 + varintLength(frame.maximum);
}

export function encodeMaxStreams(frame: MaxStreamsFrame, buffer: Uint8Array, offset: number) {
	buffer[offset] = FRAME_MAX_STREAMS;
	return writeVarint(buffer, offset + 1, frame.maximum);
}

export function decodeMaxStreams(reader: Reader): MaxStreamsFrame | undefined {
	const maximum = reader.varint();
	return reader.failed ? undefined : {type: FRAME_MAX_STREAMS, maximum};
}
