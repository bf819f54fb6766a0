import {TornetError} from '../errors.js';
import {ID_BYTES} from '../identity/hash.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';
import {CHUNK_KEY_BYTES, openChunk, sealChunk, type SealedChunk} from './chunk-crypto.js';
import type {ChunkStore, PutOptions} from './chunk-store.js';
import {
	type ChunkRef,
	decodeDescription,
	encodeDescription,
	type FileDescription,
	MAX_DESCRIPTION_BYTES,
} from './file-description.js';
import {formatLink, type Link} from './link.js';
import {CHUNK_BYTES, isChunkSize, SLICE_HASH_BYTES, sliceCount} from './slices.js';

/**
 * A description is stored as chunks like any content, so peers serve it without reading it. The
 * link names the root chunk, whose plaintext is either the description itself or, when that
 * exceeds one chunk, the list of chunks holding its pieces (one level suffices: a root lists up
 * to ~2,800 parts, far beyond MAX_DESCRIPTION_BYTES):
 *
 *   u8 version (1) ‖ u8 0 ‖ description bytes
 *   u8 version (1) ‖ u8 1 ‖ varint total length ‖ varint parts ‖ (varint size ‖ id ‖ key ‖ slices)*
 */
const ROOT_VERSION = 1;
const INLINE = 0;
const PARTS = 1;
const HEADER_BYTES = 2;
const MIN_PART_BYTES = 1 + ID_BYTES + CHUNK_KEY_BYTES + SLICE_HASH_BYTES;

export type DescriptionRoot =
	{kind: 'inline'; bytes: Uint8Array} | {kind: 'parts'; length: number; parts: ChunkRef[]};

export type StoredDescription = {link: string; chunks: number; bytes: number};

/** Seals a description into chunks, root last (the root is what the link names). */
export function sealDescription(description: FileDescription): {
	root: SealedChunk;
	parts: SealedChunk[];
} {
	const bytes = encodeDescription(description);
	if (bytes.length + HEADER_BYTES <= CHUNK_BYTES) {
		const plain = Buffer.allocUnsafe(HEADER_BYTES + bytes.length);
		plain[0] = ROOT_VERSION;
		plain[1] = INLINE;
		bytes.copy(plain, HEADER_BYTES);
		return {root: sealChunk(plain), parts: []};
	}

	const parts: SealedChunk[] = [];
	for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES)
		parts.push(sealChunk(bytes.subarray(offset, offset + CHUNK_BYTES)));
	let length = HEADER_BYTES + varintLength(bytes.length) + varintLength(parts.length);
	for (const part of parts)
		length += varintLength(part.size) + ID_BYTES + CHUNK_KEY_BYTES + part.slices.length;
	const plain = Buffer.allocUnsafe(length);
	plain[0] = ROOT_VERSION;
	plain[1] = PARTS;
	let offset = writeVarint(plain, HEADER_BYTES, bytes.length);
	offset = writeVarint(plain, offset, parts.length);
	for (const part of parts) {
		offset = writeVarint(plain, offset, part.size);
		offset += part.id.copy(plain, offset);
		offset += part.key.copy(plain, offset);
		offset += part.slices.copy(plain, offset);
	}

	return {root: sealChunk(plain), parts};
}

/** Stores a description's chunks (pinned, durably) and returns its link. */
export async function storeDescription(
	store: ChunkStore,
	description: FileDescription,
	options: PutOptions = {pinned: true},
): Promise<StoredDescription> {
	const {root, parts} = sealDescription(description);
	for (const part of parts) await store.putSealed(part, {...options, durable: false});
	await store.putSealed(root, {...options, durable: true});
	const sealed = [...parts, root];
	return {
		link: formatLink({id: root.id, key: root.key}),
		chunks: sealed.length,
		bytes: sealed.reduce((sum, chunk) => sum + chunk.size, 0),
	};
}

/** Total decoder of a root chunk's plaintext. */
export function decodeRoot(plain: Uint8Array): DescriptionRoot | TornetError {
	const reader = new Reader(plain);
	const version = reader.u8();
	const kind = reader.u8();
	if (reader.failed || version !== ROOT_VERSION)
		return TornetError.badMessage('description root version');
	if (kind === INLINE) return {kind: 'inline', bytes: reader.rest()};
	if (kind !== PARTS) return TornetError.badMessage(`description root kind ${kind}`);
	const length = reader.varint();
	const count = reader.varint();
	if (reader.failed || length > MAX_DESCRIPTION_BYTES || count !== Math.ceil(length / CHUNK_BYTES))
		return TornetError.badMessage('description root length');
	if (count * MIN_PART_BYTES > reader.remaining)
		return TornetError.badMessage('description root parts');
	const parts: ChunkRef[] = [];
	for (let index = 0; index < count; index++) {
		const size = reader.varint();
		if (reader.failed || !isChunkSize(size)) return TornetError.badMessage('description part size');
		const id = reader.buffer(ID_BYTES);
		const key = reader.buffer(CHUNK_KEY_BYTES);
		const slices = reader.buffer(sliceCount(size) * SLICE_HASH_BYTES);
		parts.push({id, key, size, slices});
	}

	if (reader.failed || !reader.done) return TornetError.badMessage('description root length');
	if (parts.reduce((sum, part) => sum + part.size, 0) !== length)
		return TornetError.badMessage('description parts do not add up');
	return {kind: 'parts', length, parts};
}

/**
 * Rebuilds a description from its verified root body; `readPart` returns a part's verified body
 * (from the store, or from peers once the fetcher exists). BAD_MESSAGE for a malformed description.
 */
export async function descriptionFromRoot(
	rootBody: Uint8Array,
	key: Uint8Array,
	readPart: (part: ChunkRef) => Promise<Uint8Array>,
): Promise<FileDescription> {
	const root = decodeRoot(openChunk(rootBody, key));
	if (root instanceof TornetError) throw root;
	let bytes: Uint8Array;
	if (root.kind === 'inline') {
		bytes = root.bytes;
	} else {
		const joined = Buffer.allocUnsafe(root.length);
		let offset = 0;
		for (const part of root.parts) {
			const body = await readPart(part);
			if (body.length !== part.size)
				throw TornetError.corrupt(`description part ${part.id.toString('hex')}`);
			offset += openChunk(body, part.key).copy(joined, offset);
		}

		bytes = joined;
	}

	const description = decodeDescription(bytes);
	if (description instanceof TornetError) throw description;
	return description;
}

/** Reads the description behind a link from local chunks (verified reads). */
export async function loadDescription(store: ChunkStore, link: Link): Promise<FileDescription> {
	const root = await store.get(link.id);
	return descriptionFromRoot(root, link.key, async (part) => store.get(part.id));
}
