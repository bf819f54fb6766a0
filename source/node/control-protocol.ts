import {isErrorCode, TornetError} from '../errors.js';

/**
 * The local control socket speaks newline-delimited JSON:
 *   request   {"id": 1, "method": "status", "params": {...}}
 *   progress  {"id": 1, "progress": {...}}           (zero or more, for long work)
 *   data      {"id": 1, "data": <n>} then n raw bytes (zero or more: content for the client's stdout)
 *   result    {"id": 1, "result": ...}  or  {"id": 1, "error": {"code": "...", "message": "..."}}
 * Lines are bounded; anything malformed gets an error line, never a crash.
 */
export const CONTROL_SOCKET_NAME = 'control.sock';
export const MAX_LINE_BYTES = 64 * 1024;

export type ControlRequest = {id: number; method: string; params: Record<string, unknown>};
/** Raw bytes in one data frame at most (the client holds one frame in memory). */
export const MAX_DATA_FRAME_BYTES = 1 << 20;

export type ControlReply =
	| {id: number; result: unknown}
	| {id: number; data: number}
	| {id: number; progress: unknown}
	| {id: number; error: {code: string; message: string}};

export function parseRequest(line: string): ControlRequest | TornetError {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return TornetError.badMessage('control request is not JSON');
	}

	if (typeof value !== 'object' || value === null)
		return TornetError.badMessage('control request must be an object');
	const {id, method, params} = value as Record<string, unknown>;
	if (typeof id !== 'number' || !Number.isSafeInteger(id))
		return TornetError.badMessage('control request needs a numeric id');
	if (typeof method !== 'string' || !/^[a-z][\w-]{0,31}$/.test(method))
		return TornetError.badMessage('bad method');
	if (
		params !== undefined &&
		(typeof params !== 'object' || params === null || Array.isArray(params))
	) {
		return TornetError.badMessage('params must be an object');
	}

	return {id, method, params: (params as Record<string, unknown>) ?? {}};
}

export function parseReply(line: string): ControlReply | undefined {
	try {
		const value = JSON.parse(line) as Record<string, unknown>;
		if (typeof value?.['id'] !== 'number') return undefined;
		return value as ControlReply;
	} catch {
		return undefined;
	}
}

export function errorReply(id: number, error: unknown): ControlReply {
	if (error instanceof TornetError) {
		return {id, error: {code: error.code, message: error.message.replace(/^[A-Z_]+: /, '')}};
	}

	return {id, error: {code: 'INTERNAL', message: 'internal error (see the node log)'}};
}

export function replyError(error: {code: string; message: string}): TornetError {
	return new TornetError(isErrorCode(error.code) ? error.code : 'REMOTE_ERROR', error.message);
}

/** Splits a byte stream into lines, refusing any line longer than the bound. */
export class LineSplitter {
	private buffer = '';

	push(chunk: string, onLine: (line: string) => void): boolean {
		this.buffer += chunk;
		let newline: number;
		while ((newline = this.buffer.indexOf('\n')) !== -1) {
			const line = this.buffer.slice(0, newline);
			this.buffer = this.buffer.slice(newline + 1);
			if (line.trim()) onLine(line);
		}

		return this.buffer.length <= MAX_LINE_BYTES;
	}
}
