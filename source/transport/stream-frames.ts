import {type Reader, VARINT_MAX, varintLength, writeVarint} from '../util/varint.js';

export const FRAME_STREAM = 0x05;
export const FRAME_RESET_STREAM = 0x06;
export const FRAME_STOP_SENDING = 0x07;

const FLAG_FIN = 0x01; // the only defined flag; others set means a peer we do not understand

/**
 * STREAM: type, flags (bit 0 = FIN), stream id, offset, length, data. The length is always
 * present, so several STREAM frames (and frames after them) can share a packet.
 * `data` of a decoded frame is a view into the packet buffer: copy what you keep.
 */
export type StreamFrame = {
	type: typeof FRAME_STREAM;
	streamId: number;
	offset: number;
	data: Uint8Array;
	fin: boolean;
};

/** RESET_STREAM: the sender abandons the stream; finalSize is how far it had sent. */
export type ResetStreamFrame = {
	type: typeof FRAME_RESET_STREAM;
	streamId: number;
	errorCode: number;
	finalSize: number;
};

/** STOP_SENDING: the receiver no longer wants the stream's data (the sender answers with a reset). */
export type StopSendingFrame = {
	type: typeof FRAME_STOP_SENDING;
	streamId: number;
	errorCode: number;
};

export function streamHeaderLength(streamId: number, offset: number, length: number): number {
	return 2 + varintLength(streamId) + varintLength(offset) + varintLength(length);
}

/** Largest data length whose STREAM frame fits in `room` bytes; 0 when not even the header fits. */
export function streamDataRoom(streamId: number, offset: number, room: number): number {
	const fixed = 2 + varintLength(streamId) + varintLength(offset);
	for (let lengthBytes = 1; lengthBytes <= 8; lengthBytes *= 2) {
		const data = room - fixed - lengthBytes;
		if (data < 0) return 0;
		if (varintLength(data) <= lengthBytes) return data;
	}

	return 0;
}

/** Writes a STREAM frame header; the caller copies `length` data bytes right after it. */
export function writeStreamHeader(
	buffer: Uint8Array,
	at: number,
	streamId: number,
	offset: number,
	length: number,
	fin: boolean,
): number {
	buffer[at++] = FRAME_STREAM;
	buffer[at++] = fin ? FLAG_FIN : 0;
	at = writeVarint(buffer, at, streamId);
	at = writeVarint(buffer, at, offset);
	return writeVarint(buffer, at, length);
}

export function streamLength(frame: StreamFrame): number {
	return streamHeaderLength(frame.streamId, frame.offset, frame.data.length) + frame.data.length;
}

export function encodeStream(frame: StreamFrame, buffer: Uint8Array, offset: number): number {
	const data = frame.data;
	offset = writeStreamHeader(buffer, offset, frame.streamId, frame.offset, data.length, frame.fin);
	buffer.set(data, offset);
	return offset + data.length;
}

/** Reads a STREAM frame after its type byte; undefined for bad bytes. */
export function decodeStream(reader: Reader): StreamFrame | undefined {
	const flags = reader.u8();
	const streamId = reader.varint();
	const offset = reader.varint();
	const length = reader.varint();
	const data = reader.bytesView(length);
	if (reader.failed || (flags & ~FLAG_FIN) !== 0 || offset + length > VARINT_MAX) return undefined;
	return {type: FRAME_STREAM, streamId, offset, data, fin: (flags & FLAG_FIN) !== 0};
}

export function resetStreamLength(frame: ResetStreamFrame): number {
	return (
		1 + varintLength(frame.streamId) + varintLength(frame.errorCode) + varintLength(frame.finalSize)
	);
}

export function encodeResetStream(
	frame: ResetStreamFrame,
	buffer: Uint8Array,
	offset: number,
): number {
	buffer[offset++] = FRAME_RESET_STREAM;
	offset = writeVarint(buffer, offset, frame.streamId);
	offset = writeVarint(buffer, offset, frame.errorCode);
	return writeVarint(buffer, offset, frame.finalSize);
}

export function decodeResetStream(reader: Reader): ResetStreamFrame | undefined {
	const streamId = reader.varint();
	const errorCode = reader.varint();
	const finalSize = reader.varint();
	if (reader.failed) return undefined;
	return {type: FRAME_RESET_STREAM, streamId, errorCode, finalSize};
}

export function stopSendingLength(frame: StopSendingFrame): number {
	return 1 + varintLength(frame.streamId) + varintLength(frame.errorCode);
}

export function encodeStopSending(
	frame: StopSendingFrame,
	buffer: Uint8Array,
	offset: number,
): number {
	buffer[offset++] = FRAME_STOP_SENDING;
	offset = writeVarint(buffer, offset, frame.streamId);
	return writeVarint(buffer, offset, frame.errorCode);
}

export function decodeStopSending(reader: Reader): StopSendingFrame | undefined {
	const streamId = reader.varint();
	const errorCode = reader.varint();
	if (reader.failed) return undefined;
	return {type: FRAME_STOP_SENDING, streamId, errorCode};
}
