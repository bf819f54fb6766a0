import {once} from 'node:events';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {FileEntry} from '../chunks/file-description.js';
import {TornetError} from '../errors.js';
import {contentRange, parseRange} from './byte-range.js';
import {sendText} from './error-response.js';
import type {GatewayContent} from './gateway-content.js';

/**
 * Serving one representation: conditional requests, ranges, and a body streamed piece by piece
 * from the content (one piece, at most a chunk, in memory per request: the next is read only
 * when the socket has taken the last). The status line waits for the first piece, so content
 * that cannot be had still gets a proper error status; after it, a failure can only cut the
 * connection, which tells the client the body is incomplete.
 */
export type Representation = {
	etag: string;
	/** Headers of every answer for this representation (type, caching, security). */
	headers: Record<string, string>;
};

export type BodySource = {size: number; pieces(start: number, end: number): AsyncIterable<Buffer>};

/** RFC 9110 §13.1.2: If-None-Match compares weakly; `*` matches any current representation. */
export function noneMatch(header: string | undefined, etag: string): boolean {
	if (header === undefined) return false;
	const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
	const ours = opaque(etag);
	return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === ours);
}

/** Runs `work` under a deadline: past it the request's controller aborts and the result is 504. */
export async function withDeadline<T>(
	work: Promise<T>,
	ms: number,
	what: string,
	controller: AbortController,
): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	let onAbort: (() => void) | undefined;
	const limit = new Promise<never>((_resolve, reject) => {
		// setTimeout would turn an infinite delay into 1 ms.
		if (Number.isFinite(ms))
			timer = setTimeout(() => {
				reject(TornetError.requestTimeout(what, ms));
				controller.abort();
			}, ms);
		onAbort = () => {
			reject(TornetError.aborted(what));
		};
		controller.signal.addEventListener('abort', onAbort, {once: true});
	});
	try {
		return await Promise.race([work, limit]);
	} finally {
		clearTimeout(timer);
		controller.signal.removeEventListener('abort', onAbort!);
	}
}

export async function sendBody(
	request: IncomingMessage,
	response: ServerResponse,
	representation: Representation,
	source: BodySource,
	controller: AbortController,
	pieceTimeoutMs: number,
): Promise<void> {
	const {etag, headers} = representation;
	const cacheHeaders = {ETag: etag, 'Cache-Control': headers['Cache-Control']};
	if (noneMatch(request.headers['if-none-match'], etag)) {
		response.writeHead(304, cacheHeaders);
		response.end();
		return;
	}

	const {size} = source;
	const ifRange: unknown = request.headers['if-range'];
	// If-Range names the representation the client holds part of; ours never change, so only a
	// different tag (or a date: we have no Last-Modified) means "send it whole".
	const range =
		ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === etag)
			? parseRange(request.headers.range, size)
			: parseRange(undefined, size);
	if (range.kind === 'unsatisfiable') {
		sendText(response, 416, `no byte of a ${size}-byte file is in that range`, {
			...cacheHeaders,
			'Content-Range': contentRange(size),
		});
		return;
	}

	const [status, start, end] =
		range.kind === 'partial' ? [206, range.start, range.end] : [200, 0, size];
	const head: Record<string, string> = {
		...headers,
		ETag: etag,
		'Accept-Ranges': 'bytes',
		'Content-Length': String(end - start),
	};
	if (status === 206) head['Content-Range'] = contentRange(size, {start, end});
	if (request.method === 'HEAD' || start === end) {
		response.writeHead(status, head);
		response.end();
		return;
	}

	const pieces = source.pieces(start, end)[Symbol.asyncIterator]();
	const next = async () => withDeadline(pieces.next(), pieceTimeoutMs, 'read', controller);
	try {
		let piece = await next();
		response.writeHead(status, head);
		let sent = 0;
		while (!piece.done) {
			sent += piece.value.length;
			if (sent > end - start) throw new Error(`content overran ${end - start} bytes`);
			if (!response.write(piece.value)) await once(response, 'drain', {signal: controller.signal});
			piece = await next();
		}

		if (sent !== end - start) throw new Error(`content gave ${sent} of ${end - start} bytes`);
		response.end();
	} finally {
		// Ends the reader when we stopped early; not awaited, as a stalled read may never settle.
		pieces.return?.().catch(() => undefined);
	}
}

/** The BodySource of one file of a description. */
export function entrySource(
	content: GatewayContent,
	entry: FileEntry,
	signal: AbortSignal,
): BodySource {
	return {
		size: entry.size,
		pieces: (start, end) => content.read(entry, start, end, signal),
	};
}
