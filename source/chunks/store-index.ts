import {ID_BYTES} from '../identity/hash.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';
import {isChunkSize, SLICE_HASH_BYTES, sliceCount} from './slices.js';

/**
 * The chunk index in LevelDB: one small record per chunk (what the budget, the serving policy and
 * range reads need), so a body file is opened only to read it.
 *
 *   'c' ‖ id → u8 flags ‖ varint size ‖ varint last access (s) ‖ slice hashes
 *   'p' ‖ id → u8 flags ‖ varint size ‖ slice hashes          (a chunk being downloaded)
 *   'm/clean' → varint bytes ‖ varint chunks                   (written by a clean close)
 *
 * Records come from our own disk but are decoded totally anyway: a damaged record reads as absent
 * and is dropped by recovery, like a missing body.
 */
const CHUNK_PREFIX = 0x63; // 'c'
const PARTIAL_PREFIX = 0x70; // 'p'
const PINNED = 0x01;

export const CLEAN_KEY = Buffer.from('m/clean');

export type IndexEntry = {
	size: number;
	pinned: boolean;
	/** Milliseconds since the epoch, kept to the second. */
	lastAccess: number;
	slices: Buffer;
};

function prefixed(prefix: number, id: Uint8Array): Buffer {
	const key = Buffer.allocUnsafe(1 + ID_BYTES);
	key[0] = prefix;
	key.set(id, 1);
	return key;
}

export const chunkKey = (id: Uint8Array) => prefixed(CHUNK_PREFIX, id);
export const partialKey = (id: Uint8Array) => prefixed(PARTIAL_PREFIX, id);

/** Range bounds for iterating chunk records, optionally only those whose id starts with `byte`. */
export function chunkRange(byte?: number): {gte: Buffer; lt: Buffer} {
	if (byte === undefined)
		return {gte: Buffer.from([CHUNK_PREFIX]), lt: Buffer.from([CHUNK_PREFIX + 1])};
	const gte = Buffer.from([CHUNK_PREFIX, byte]);
	const lt =
		byte === 0xff ? Buffer.from([CHUNK_PREFIX + 1]) : Buffer.from([CHUNK_PREFIX, byte + 1]);
	return {gte, lt};
}

export function partialRange(): {gte: Buffer; lt: Buffer} {
	return {gte: Buffer.from([PARTIAL_PREFIX]), lt: Buffer.from([PARTIAL_PREFIX + 1])};
}

/** The id in a chunk or partial key, or undefined for another key. */
export function idOfKey(key: Uint8Array): Buffer | undefined {
	return key.length === 1 + ID_BYTES ? Buffer.from(key.subarray(1)) : undefined;
}

export function encodeEntry(entry: IndexEntry): Buffer {
	const seconds = Math.floor(entry.lastAccess / 1000);
	const out = Buffer.allocUnsafe(
		1 + varintLength(entry.size) + varintLength(seconds) + entry.slices.length,
	);
	out[0] = entry.pinned ? PINNED : 0;
	let offset = writeVarint(out, 1, entry.size);
	offset = writeVarint(out, offset, seconds);
	entry.slices.copy(out, offset);
	return out;
}

export function decodeEntry(bytes: Uint8Array): IndexEntry | undefined {
	const reader = new Reader(bytes);
	const flags = reader.u8();
	const size = reader.varint();
	const seconds = reader.varint();
	if (reader.failed || !isChunkSize(size) || (flags & ~PINNED) !== 0) return undefined;
	// A varint reaches 2^62; a time in milliseconds must stay an exact number.
	if (!Number.isSafeInteger(seconds * 1000)) return undefined;
	if (reader.remaining !== sliceCount(size) * SLICE_HASH_BYTES) return undefined;
	return {
		size,
		pinned: flags === PINNED,
		lastAccess: seconds * 1000,
		slices: reader.buffer(reader.remaining),
	};
}

export type PartialEntry = {size: number; pinned: boolean; slices: Buffer};

export function encodePartial(entry: PartialEntry): Buffer {
	return encodeEntry({...entry, lastAccess: 0});
}

export function decodePartial(bytes: Uint8Array): PartialEntry | undefined {
	const entry = decodeEntry(bytes);
	return entry && {size: entry.size, pinned: entry.pinned, slices: entry.slices};
}

export function encodeClean(bytes: number, chunks: number): Buffer {
	const out = Buffer.allocUnsafe(varintLength(bytes) + varintLength(chunks));
	writeVarint(out, writeVarint(out, 0, bytes), chunks);
	return out;
}

export function decodeClean(value: Uint8Array): {bytes: number; chunks: number} | undefined {
	const reader = new Reader(value);
	const bytes = reader.varint();
	const chunks = reader.varint();
	return reader.failed || !reader.done ? undefined : {bytes, chunks};
}
