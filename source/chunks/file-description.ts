import {TornetError} from '../errors.js';
import {ID_BYTES} from '../identity/hash.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';
import {CHUNK_KEY_BYTES} from './chunk-crypto.js';
import {isChunkSize, SLICE_HASH_BYTES, sliceCount} from './slices.js';
import {ancestors, MAX_PATH_BYTES, relativePathProblem, segmentProblem} from './relative-path.js';

/**
 * What a link points to: a file, or a directory tree of files, as the ordered chunks of each file
 * with the keys to decrypt them and the slice hashes to verify partial downloads.
 *
 *   u8 version (1) ‖ u8 kind (0 file, 1 directory) ‖ str name ‖ varint files ‖ file*
 *   file  = str path ‖ varint chunks ‖ chunk*
 *   chunk = varint size ‖ id (20) ‖ key (32) ‖ slice hashes (20 × ⌈size / 64 KiB⌉)
 *   str   = varint byte length ‖ UTF-8
 *
 * A file's size is the sum of its chunk sizes (not stored twice, so they cannot disagree). Chunk
 * sizes are explicit rather than implied (all 1 MiB but the last) so a later version can cut
 * chunks at content-defined boundaries without a new layout. A 'file' description holds exactly
 * one file whose path is its name; a 'directory' holds paths relative to the directory `name`.
 */
export const DESCRIPTION_VERSION = 1;
/** About 170k chunks of 1 MiB, with their slice hashes: ≈ 170 GiB behind one link. */
export const MAX_DESCRIPTION_BYTES = 64 << 20;
export const MAX_FILES = 100_000;

export type ChunkRef = {id: Buffer; key: Buffer; size: number; slices: Buffer};
export type FileEntry = {path: string; size: number; chunks: ChunkRef[]};
export type FileDescription = {kind: 'file' | 'directory'; name: string; files: FileEntry[]};

const KINDS = ['file', 'directory'] as const;
const MIN_FILE_BYTES = 3; // path length, one path byte, chunk count
const MIN_CHUNK_BYTES = 1 + ID_BYTES + CHUNK_KEY_BYTES + SLICE_HASH_BYTES;
const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

/** Why a description is not well-formed, or undefined. Shared by the encoder and the decoder. */
export function descriptionProblem(description: FileDescription): string | undefined {
	const {kind, name, files} = description;
	if (!KINDS.includes(kind)) return `kind ${String(kind)}`;
	const nameProblem = segmentProblem(name);
	if (nameProblem) return nameProblem;
	if (files.length > MAX_FILES) return `more than ${MAX_FILES} files`;
	if (kind === 'file' && (files.length !== 1 || files[0].path !== name))
		return 'a file description holds one file named like the description';
	const filePaths = new Set<string>();
	const directories = new Set<string>();
	for (const file of files) {
		const problem = relativePathProblem(file.path);
		if (problem) return problem;
		if (filePaths.has(file.path) || directories.has(file.path))
			return `path ${JSON.stringify(file.path)} appears twice`;
		filePaths.add(file.path);
		for (const directory of ancestors(file.path)) {
			if (filePaths.has(directory)) return `${JSON.stringify(directory)} is a file and a directory`;
			directories.add(directory);
		}

		let size = 0;
		for (const chunk of file.chunks) {
			if (!isChunkSize(chunk.size)) return `chunk of ${chunk.size} bytes`;
			if (chunk.id.length !== ID_BYTES || chunk.key.length !== CHUNK_KEY_BYTES)
				return 'chunk id or key length';
			if (chunk.slices.length !== sliceCount(chunk.size) * SLICE_HASH_BYTES)
				return 'slice hash count does not match the chunk size';
			size += chunk.size;
		}

		if (size !== file.size) return `size of ${JSON.stringify(file.path)} is not its chunks' sum`;
	}

	return undefined;
}

function stringLength(text: string): number {
	const bytes = Buffer.byteLength(text);
	return varintLength(bytes) + bytes;
}

export function encodedDescriptionLength(description: FileDescription): number {
	let length = 2 + stringLength(description.name) + varintLength(description.files.length);
	for (const file of description.files) {
		length += stringLength(file.path) + varintLength(file.chunks.length);
		for (const chunk of file.chunks)
			length += varintLength(chunk.size) + ID_BYTES + CHUNK_KEY_BYTES + chunk.slices.length;
	}

	return length;
}

/** Encodes our own description; a malformed one is a caller bug (BAD_ARGUMENT). */
export function encodeDescription(description: FileDescription): Buffer {
	const problem = descriptionProblem(description);
	if (problem) throw TornetError.badArgument(`file description: ${problem}`);
	const length = encodedDescriptionLength(description);
	if (length > MAX_DESCRIPTION_BYTES)
		throw TornetError.badArgument(`file description of ${length} bytes is too large`);
	const out = Buffer.allocUnsafe(length);
	out[0] = DESCRIPTION_VERSION;
	out[1] = KINDS.indexOf(description.kind);
	let offset = writeString(out, 2, description.name);
	offset = writeVarint(out, offset, description.files.length);
	for (const file of description.files) {
		offset = writeString(out, offset, file.path);
		offset = writeVarint(out, offset, file.chunks.length);
		for (const chunk of file.chunks) {
			offset = writeVarint(out, offset, chunk.size);
			offset += chunk.id.copy(out, offset);
			offset += chunk.key.copy(out, offset);
			offset += chunk.slices.copy(out, offset);
		}
	}

	return out;
}

function writeString(out: Buffer, offset: number, text: string): number {
	const bytes = Buffer.byteLength(text);
	offset = writeVarint(out, offset, bytes);
	return offset + out.write(text, offset);
}

function readString(reader: Reader, maxBytes: number): string | undefined {
	const length = reader.varint();
	if (reader.failed || length > maxBytes) return undefined;
	const bytes = reader.bytesView(length);
	if (reader.failed) return undefined;
	try {
		return utf8.decode(bytes);
	} catch {
		return undefined;
	}
}

function bad(why: string): TornetError {
	return TornetError.badMessage(`file description: ${why}`);
}

/** Total: any bytes give a description or a BAD_MESSAGE error value, never a throw. */
export function decodeDescription(bytes: Uint8Array): FileDescription | TornetError {
	if (bytes.length > MAX_DESCRIPTION_BYTES) return bad('too large');
	const reader = new Reader(bytes);
	const version = reader.u8();
	const kindByte = reader.u8();
	if (reader.failed) return bad('truncated header');
	if (version !== DESCRIPTION_VERSION) return bad(`version ${version}`);
	const kind = KINDS[kindByte];
	if (kind === undefined) return bad(`kind ${kindByte}`);
	const name = readString(reader, MAX_PATH_BYTES);
	if (name === undefined) return bad('name');
	const fileCount = reader.varint();
	if (reader.failed || fileCount > MAX_FILES || fileCount * MIN_FILE_BYTES > reader.remaining)
		return bad('file count');
	const files: FileEntry[] = [];
	for (let f = 0; f < fileCount; f++) {
		const path = readString(reader, MAX_PATH_BYTES);
		if (path === undefined) return bad('path');
		const chunkCount = reader.varint();
		if (reader.failed || chunkCount * MIN_CHUNK_BYTES > reader.remaining) return bad('chunk count');
		const chunks: ChunkRef[] = [];
		let size = 0;
		for (let c = 0; c < chunkCount; c++) {
			const chunkSize = reader.varint();
			if (reader.failed || !isChunkSize(chunkSize)) return bad('chunk size');
			const id = reader.buffer(ID_BYTES);
			const key = reader.buffer(CHUNK_KEY_BYTES);
			const slices = reader.buffer(sliceCount(chunkSize) * SLICE_HASH_BYTES);
			if (reader.failed) return bad('truncated chunk');
			chunks.push({id, key, size: chunkSize, slices});
			size += chunkSize;
		}

		files.push({path, size, chunks});
	}

	if (!reader.done) return bad('trailing bytes');
	const description: FileDescription = {kind, name, files};
	const problem = descriptionProblem(description);
	return problem ? bad(problem) : description;
}
