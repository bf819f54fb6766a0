import {STATUS_CODES, type ServerResponse} from 'node:http';
import {isTornetError} from '../errors.js';

/**
 * Short plain-text answers for everything that is not content, and the HTTP status of a failure.
 * A TornetError keeps its one-line message (the gateway is a local tool; its reader is the
 * operator); anything else is a bug and the client sees only "internal error", never a stack.
 */
const MAX_MESSAGE = 300;

export function statusOf(error: unknown): {status: number; message: string} {
	if (!isTornetError(error)) return {status: 500, message: 'internal error'};
	const message = error.message;
	switch (error.code) {
		case 'BAD_ARGUMENT': {
			return {status: 400, message};
		}

		case 'NOT_FOUND': {
			return {status: 404, message};
		}

		case 'REQUEST_TIMEOUT': {
			return {status: 504, message};
		}

		// The node is busy or stopping: worth retrying later, unlike bad content.
		case 'TOO_MANY_REQUESTS':
		case 'ABORTED':
		case 'NOT_RUNNING': {
			return {status: 503, message};
		}

		// Content that could not be fetched or does not verify: the upstream (the network) failed.
		default: {
			return {status: 502, message};
		}
	}
}

/** Answers with `status` and a one-line body (none for HEAD); never cached. */
export function sendText(
	response: ServerResponse,
	status: number,
	message: string,
	headers: Record<string, string> = {},
): void {
	// eslint-disable-next-line no-control-regex
	const line = message.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_MESSAGE);
	const body = Buffer.from(`${status} ${STATUS_CODES[status] ?? ''}: ${line}\n`);
	response.writeHead(status, {
		...headers,
		'Content-Type': 'text/plain; charset=utf-8',
		'Content-Length': String(body.length),
		'Cache-Control': 'no-store',
	});
	response.end(response.req.method === 'HEAD' ? undefined : body);
}
