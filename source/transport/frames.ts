import {utf8Prefix} from '../util/utf8-prefix.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';

/**
 * Frame types inside an encrypted packet (see docs/protocol.md). A packet's plaintext is a
 * sequence of frames; the type is one byte. Types 0x04–0x0c belong to the reliable-stream layer.
 */
export const FrameType = {
	padding: 0x00,
	ping: 0x01,
	datagram: 0x02,
	close: 0x03,
	ack: 0x04,
	stream: 0x05,
	resetStream: 0x06,
	stopSending: 0x07,
	maxData: 0x08,
	maxStreamData: 0x09,
	dataBlocked: 0x0a,
	streamDataBlocked: 0x0b,
	maxStreams: 0x0c,
} as const;

export const MAX_CLOSE_REASON_BYTES = 256;

export const CloseCode = {
	normal: 0,
	idle: 1,
	protocolViolation: 2,
	internal: 3,
	replaced: 4,
} as const;

export function datagramFrameLength(dataLength: number): number {
	return 1 + varintLength(dataLength) + dataLength;
}

export function writeDatagramFrame(buffer: Uint8Array, offset: number, data: Uint8Array): number {
	buffer[offset++] = FrameType.datagram;
	offset = writeVarint(buffer, offset, data.length);
	buffer.set(data, offset);
	return offset + data.length;
}

export function writePingFrame(buffer: Uint8Array, offset: number): number {
	buffer[offset] = FrameType.ping;
	return offset + 1;
}

/** Padding runs to the end of the packet: a receiver stops parsing at the first 0x00. */
export function writePadding(buffer: Uint8Array, offset: number, end: number): number {
	buffer.fill(FrameType.padding, offset, end);
	return end;
}

export function encodeCloseFrame(code: number, reason: string): Buffer {
	const text = utf8Prefix(reason, MAX_CLOSE_REASON_BYTES);
	const out = Buffer.alloc(1 + varintLength(code) + varintLength(text.length) + text.length);
	let offset = 0;
	out[offset++] = FrameType.close;
	offset = writeVarint(out, offset, code);
	offset = writeVarint(out, offset, text.length);
	out.set(text, offset);
	return out;
}

export type CloseFrame = {code: number; reason: string};

/** Reads the body of a CLOSE frame (after its type byte); undefined when malformed. */
export function readCloseFrame(reader: Reader): CloseFrame | undefined {
	const code = reader.varint();
	const length = reader.varint();
	if (reader.failed || length > MAX_CLOSE_REASON_BYTES) return undefined;
	const reason = Buffer.from(reader.bytesView(length)).toString('utf8');
	return reader.failed ? undefined : {code, reason};
}

/** Reads the body of a DATAGRAM frame; the result is a view into the packet buffer. */
export function readDatagramFrame(reader: Reader): Uint8Array | undefined {
	const length = reader.varint();
	if (reader.failed) return undefined;
	const data = reader.bytesView(length);
	return reader.failed ? undefined : data;
}
