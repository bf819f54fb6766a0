import {isErrorCode, TornetError} from '../../errors.js';
import {ID_BYTES} from '../../identity/hash.js';
import {utf8Prefix} from '../../util/utf8-prefix.js';
import {Reader, varintLength, writeVarint} from '../../util/varint.js';
import {isChunkSize, MAX_SLICES, SLICE_HASH_BYTES, sliceCount, slicesMatchId} from '../slices.js';

/**
 * The chunk transfer protocol: how a node learns a chunk's slice list from a holder and downloads
 * whole slices of it, possibly a different range from each of several holders at once.
 *
 * Stream kinds. The first byte of every stream a peer opens names the protocol that uses it, so
 * several protocols can share a connection's streams; a stream of a kind nobody registered, or one
 * that sends no kind byte within STREAM_HEAD_TIMEOUT_MS, is reset.
 *
 *   1  GET   chunk slices (below)
 *
 * chunk.meta (RPC request, one datagram each way):
 *
 *   request  chunk id (20 B) [‖ fee tag (9 B, dht/request-fees.ts)]
 *   reply    varint size ‖ slice hashes (20 B × ceil(size / 64 KiB), at most 16 × 20 B)
 *   error    NOT_FOUND when the chunk is not held; PAYMENT_REQUIRED past the asker's line
 *
 * chunk.meta costs the holder's request fee whether the chunk is held or not (NOT_FOUND is an
 * answer too), so asking for random ids is paid like any other service.
 *
 * The fetcher checks the reply against the id (slicesMatchId): the id is the hash of the size and
 * the slice hashes, so a holder cannot lie about either.
 *
 * GET (a stream the fetcher opens; it sends the request, then FIN):
 *
 *   request  u8 kind (1) ‖ chunk id (20 B) ‖ event id (16 B) ‖ u8 first slice ‖ u8 slice count
 *   reply    u8 0 (OK) ‖ the slices' bytes back to back ‖ FIN
 *        or  u8 1 (ERROR) ‖ u8 code length ‖ code (ASCII, an error code such as NOT_FOUND,
 *            PAYMENT_REQUIRED, TOO_MANY_REQUESTS, CORRUPT) ‖ u16 message length ‖ message (UTF-8) ‖ FIN
 *
 * The event id is chosen by the fetcher, fresh per request; both sides' markets name the transfer
 * with it. The fetcher knows the length of an OK reply (the slice sizes follow from the chunk
 * size), verifies each 64 KiB slice against its hash as it arrives and writes it at once; a slice
 * that fails makes it reset the stream, drop that holder and ask another for the rest. A request
 * that does not decode (short, bad kind, range outside 0..16) is answered by a stream reset with
 * code PROTOCOL_RESET_CODE, and the server carries on.
 */
export const STREAM_KIND_GET = 1;
export const META_METHOD = 'chunk.meta';
export const EVENT_ID_BYTES = 16;
/** Kind byte included. */
export const GET_REQUEST_BYTES = 1 + ID_BYTES + EVENT_ID_BYTES + 2;
/** A peer that opens a stream and then says nothing holds a stream slot: not for long. */
export const STREAM_HEAD_TIMEOUT_MS = 10_000;
/** Application code of a stream reset for a malformed request or reply. */
export const PROTOCOL_RESET_CODE = 0x10;

const STATUS_OK = 0;
const STATUS_ERROR = 1;
const MAX_CODE_BYTES = 32;
/** Error messages are for people; a few hundred bytes say enough and bound what we read. */
export const MAX_MESSAGE_BYTES = 1024;
export const MAX_ERROR_BYTES = 1 + 1 + MAX_CODE_BYTES + 2 + MAX_MESSAGE_BYTES;

export type ChunkMeta = {id: Buffer; size: number; slices: Buffer};

export type GetRequest = {chunkId: Buffer; eventId: Buffer; first: number; count: number};

export function encodeMetaRequest(chunkId: Uint8Array): Buffer {
	if (chunkId.length !== ID_BYTES) throw TornetError.badArgument('chunk id of the wrong length');
	return Buffer.from(chunkId);
}

export function decodeMetaRequest(body: Uint8Array): Buffer | undefined {
	return body.length === ID_BYTES ? Buffer.from(body) : undefined;
}

export function encodeMetaReply(size: number, slices: Uint8Array): Buffer {
	const out = Buffer.allocUnsafe(varintLength(size) + slices.length);
	const offset = writeVarint(out, 0, size);
	out.set(slices, offset);
	return out;
}

/** A holder's answer for chunk `id`, checked against the id; undefined for anything else. */
export function decodeMetaReply(id: Uint8Array, body: Uint8Array): ChunkMeta | undefined {
	const reader = new Reader(body);
	const size = reader.varint();
	if (reader.failed || !isChunkSize(size)) return undefined;
	const slices = reader.buffer(sliceCount(size) * SLICE_HASH_BYTES);
	if (reader.failed || !reader.done) return undefined;
	return slicesMatchId(id, size, slices) ? {id: Buffer.from(id), size, slices} : undefined;
}

export function encodeGetRequest(request: GetRequest): Buffer {
	const out = Buffer.allocUnsafe(GET_REQUEST_BYTES);
	out[0] = STREAM_KIND_GET;
	request.chunkId.copy(out, 1);
	request.eventId.copy(out, 1 + ID_BYTES);
	out[GET_REQUEST_BYTES - 2] = request.first;
	out[GET_REQUEST_BYTES - 1] = request.count;
	return out;
}

/** Whether slices [first, first + count) can be part of some chunk (at most 16 slices). */
export function isSliceRange(first: number, count: number): boolean {
	return (
		Number.isInteger(first) &&
		Number.isInteger(count) &&
		first >= 0 &&
		count >= 1 &&
		first + count <= MAX_SLICES
	);
}

/** The request after its kind byte (the stream dispatcher read that); undefined if malformed. */
export function decodeGetRequest(body: Uint8Array): GetRequest | undefined {
	if (body.length !== GET_REQUEST_BYTES - 1) return undefined;
	const bytes = Buffer.from(body.buffer, body.byteOffset, body.length);
	const first = bytes[ID_BYTES + EVENT_ID_BYTES];
	const count = bytes[ID_BYTES + EVENT_ID_BYTES + 1];
	if (!isSliceRange(first, count)) return undefined;
	return {
		chunkId: Buffer.from(bytes.subarray(0, ID_BYTES)),
		eventId: Buffer.from(bytes.subarray(ID_BYTES, ID_BYTES + EVENT_ID_BYTES)),
		first,
		count,
	};
}

export const okReply = (): Buffer => Buffer.from([STATUS_OK]);

/** An error reply; the message is cut to MAX_MESSAGE_BYTES (at a character boundary). */
export function encodeErrorReply(code: string, message: string): Buffer {
	const codeBytes = Buffer.from(code.slice(0, MAX_CODE_BYTES), 'latin1');
	const text = utf8Prefix(message, MAX_MESSAGE_BYTES);
	const out = Buffer.allocUnsafe(2 + codeBytes.length + 2 + text.length);
	out[0] = STATUS_ERROR;
	out[1] = codeBytes.length;
	codeBytes.copy(out, 2);
	out.writeUInt16BE(text.length, 2 + codeBytes.length);
	text.copy(out, 4 + codeBytes.length);
	return out;
}

/** The first byte of a GET reply. */
export function decodeStatus(byte: number): 'ok' | 'error' | 'bad' {
	if (byte === STATUS_OK) return 'ok';
	return byte === STATUS_ERROR ? 'error' : 'bad';
}

/**
 * The rest of an error reply (everything after the status byte up to FIN, read up to
 * MAX_ERROR_BYTES) as the peer's error; undefined when malformed.
 */
export function decodeErrorBody(body: Uint8Array): TornetError | undefined {
	const reader = new Reader(body);
	const codeLength = reader.u8();
	if (codeLength > MAX_CODE_BYTES) return undefined;
	const code = Buffer.from(reader.bytesView(codeLength)).toString('latin1');
	const message = Buffer.from(reader.bytesView(reader.u16())).toString('utf8');
	if (reader.failed || !reader.done || !/^[A-Z_]+$/.test(code)) return undefined;
	return remoteError(code, message);
}

/** A peer's error keeps its code when it is one of ours, so callers can match on it. */
export function remoteError(code: string, message: string): TornetError {
	const text = `peer: ${message.replace(/^[A-Z_]+: /, '')}`;
	return isErrorCode(code) ? new TornetError(code, text) : TornetError.remote(code, message);
}
