import {utf8Prefix} from '../util/utf8-prefix.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';

/**
 * RPC messages, one per DATAGRAM frame (see docs/protocol.md):
 *   request:  0x01 ‖ id (varint) ‖ method (u8 length ‖ ascii) ‖ body
 *   response: 0x02 ‖ id ‖ body
 *   error:    0x03 ‖ id ‖ code (u8 length ‖ ascii) ‖ message (varint length ‖ utf8)
 *   notice:   0x04 ‖ method ‖ body          (no answer expected)
 */
export const MessageType = {request: 1, response: 2, error: 3, notice: 4} as const;
export const MAX_METHOD_BYTES = 32;
export const MAX_ERROR_MESSAGE_BYTES = 512;
const METHOD_PATTERN = /^[a-z][\w.-]*$/;

export type RpcMessage =
	| {type: 'request'; id: number; method: string; body: Uint8Array}
	| {type: 'response'; id: number; body: Uint8Array}
	| {type: 'error'; id: number; code: string; message: string}
	| {type: 'notice'; method: string; body: Uint8Array};

export function isValidMethod(method: string): boolean {
	return method.length > 0 && method.length <= MAX_METHOD_BYTES && METHOD_PATTERN.test(method);
}

export function encodeMessage(message: RpcMessage): Buffer {
	switch (message.type) {
		case 'request': {
			return build(MessageType.request, message.id, message.method, message.body);
		}

		case 'response': {
			return build(MessageType.response, message.id, undefined, message.body);
		}

		case 'notice': {
			return build(MessageType.notice, undefined, message.method, message.body);
		}

		case 'error': {
			const code = Buffer.from(message.code.slice(0, MAX_METHOD_BYTES), 'ascii');
			const text = utf8Prefix(message.message, MAX_ERROR_MESSAGE_BYTES);
			const body = Buffer.alloc(1 + code.length + varintLength(text.length) + text.length);
			body[0] = code.length;
			code.copy(body, 1);
			const offset = writeVarint(body, 1 + code.length, text.length);
			text.copy(body, offset);
			return build(MessageType.error, message.id, undefined, body);
		}
	}
}

function build(
	type: number,
	id: number | undefined,
	method: string | undefined,
	body: Uint8Array,
): Buffer {
	const methodBytes = method === undefined ? undefined : Buffer.from(method, 'ascii');
	const length =
		1 +
		(id === undefined ? 0 : varintLength(id)) +
		(methodBytes ? 1 + methodBytes.length : 0) +
		body.length;
	const out = Buffer.alloc(length);
	out[0] = type;
	let offset = 1;
	if (id !== undefined) offset = writeVarint(out, offset, id);
	if (methodBytes) {
		out[offset++] = methodBytes.length;
		methodBytes.copy(out, offset);
		offset += methodBytes.length;
	}

	out.set(body, offset);
	return out;
}

/** Total decoder: any bytes give a message or undefined. Bodies are views into `bytes`. */
export function decodeMessage(bytes: Uint8Array): RpcMessage | undefined {
	const reader = new Reader(bytes);
	const type = reader.u8();
	switch (type) {
		case MessageType.request: {
			const id = reader.varint();
			const method = readMethod(reader);
			if (reader.failed || method === undefined) return undefined;
			return {type: 'request', id, method, body: reader.rest()};
		}

		case MessageType.response: {
			const id = reader.varint();
			if (reader.failed) return undefined;
			return {type: 'response', id, body: reader.rest()};
		}

		case MessageType.error: {
			const id = reader.varint();
			const code = readMethod(reader, /^[A-Z][A-Z\d_]*$/);
			const length = reader.varint();
			if (reader.failed || code === undefined || length > MAX_ERROR_MESSAGE_BYTES) return undefined;
			const text = reader.bytesView(length);
			if (reader.failed || !reader.done) return undefined;
			return {type: 'error', id, code, message: Buffer.from(text).toString('utf8')};
		}

		case MessageType.notice: {
			const method = readMethod(reader);
			if (reader.failed || method === undefined) return undefined;
			return {type: 'notice', method, body: reader.rest()};
		}

		default: {
			return undefined;
		}
	}
}

function readMethod(reader: Reader, pattern = METHOD_PATTERN): string | undefined {
	const length = reader.u8();
	if (reader.failed || length === 0 || length > MAX_METHOD_BYTES) return undefined;
	const bytes = reader.bytesView(length);
	if (reader.failed) return undefined;
	const text = Buffer.from(bytes).toString('latin1');
	return pattern.test(text) ? text : undefined;
}
