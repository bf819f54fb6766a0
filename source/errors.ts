/**
 * The one error vocabulary of tornet. Callers and tests match on `code`, never on message text.
 * A user-facing command turns a TornetError into one line and an exit code; anything else is a bug
 * and keeps its stack trace.
 */
export const ERROR_CODES = [
	'BAD_ADDRESS',
	'BAD_KEY_FILE',
	'BAD_PACKET',
	'BAD_MESSAGE',
	'BAD_ARGUMENT',
	'DECRYPT_FAILED',
	'REPLAYED',
	'HANDSHAKE_FAILED',
	'RANK_TOO_LOW',
	'BAD_SIGNATURE',
	'REQUEST_TIMEOUT',
	'UNKNOWN_METHOD',
	'REMOTE_ERROR',
	'CONNECTION_CLOSED',
	'SOCKET_CLOSED',
	'TOO_MANY_REQUESTS',
	'NOT_RUNNING',
	'ABORTED',
	'NOT_FOUND',
	'LOOKUP_FAILED',
	'STREAM_RESET',
	'FLOW_CONTROL',
	'PROTOCOL_VIOLATION',
	'PAYMENT_REQUIRED',
	'DISK_FULL',
	'CORRUPT',
	'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const codeSet: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: string): value is ErrorCode {
	return codeSet.has(value);
}

export class TornetError extends Error {
	readonly code: ErrorCode;

	constructor(code: ErrorCode, message: string) {
		super(`${code}: ${message}`);
		this.name = 'TornetError';
		this.code = code;
	}

	static badAddress(input: string, why: string) {
		return new TornetError(
			'BAD_ADDRESS',
			`${JSON.stringify(input)} is not a tornet address: ${why}`,
		);
	}

	static badKeyFile(path: string, why: string) {
		return new TornetError('BAD_KEY_FILE', `key file ${path}: ${why}`);
	}

	static badPacket(why: string) {
		return new TornetError('BAD_PACKET', why);
	}

	static badMessage(why: string) {
		return new TornetError('BAD_MESSAGE', why);
	}

	static badArgument(why: string) {
		return new TornetError('BAD_ARGUMENT', why);
	}

	static decryptFailed() {
		return new TornetError('DECRYPT_FAILED', 'authentication failed');
	}

	static replayed(packetNumber: number) {
		return new TornetError('REPLAYED', `packet ${packetNumber} already received`);
	}

	static handshakeFailed(why: string) {
		return new TornetError('HANDSHAKE_FAILED', why);
	}

	static rankTooLow(rank: number, minimum: number) {
		return new TornetError('RANK_TOO_LOW', `peer rank ${rank} is below the minimum ${minimum}`);
	}

	static badSignature(what: string) {
		return new TornetError('BAD_SIGNATURE', `${what} signature does not verify`);
	}

	static requestTimeout(method: string, ms: number) {
		return new TornetError('REQUEST_TIMEOUT', `${method} got no answer in ${ms} ms`);
	}

	static unknownMethod(method: string) {
		return new TornetError('UNKNOWN_METHOD', `no method ${JSON.stringify(method)}`);
	}

	static remote(code: string, message: string) {
		return new TornetError('REMOTE_ERROR', `peer answered ${code}: ${message}`);
	}

	static connectionClosed(why: string) {
		return new TornetError('CONNECTION_CLOSED', why);
	}

	static socketClosed() {
		return new TornetError('SOCKET_CLOSED', 'the UDP socket is closed');
	}

	static tooManyRequests(what: string) {
		return new TornetError('TOO_MANY_REQUESTS', what);
	}

	static notRunning(what: string) {
		return new TornetError('NOT_RUNNING', what);
	}

	static notFound(what: string) {
		return new TornetError('NOT_FOUND', `${what} was not found`);
	}

	static lookupFailed(why: string) {
		return new TornetError('LOOKUP_FAILED', why);
	}

	static streamReset(code: number) {
		return new TornetError('STREAM_RESET', `the peer reset the stream (code ${code})`);
	}

	static flowControl(why: string) {
		return new TornetError('FLOW_CONTROL', why);
	}

	static protocolViolation(why: string) {
		return new TornetError('PROTOCOL_VIOLATION', why);
	}

	static corrupt(what: string) {
		return new TornetError('CORRUPT', `${what} failed verification`);
	}

	static aborted(what: string) {
		return new TornetError('ABORTED', `${what} was aborted`);
	}
}

export function isTornetError(error: unknown, code?: ErrorCode): error is TornetError {
	return error instanceof TornetError && (code === undefined || error.code === code);
}
