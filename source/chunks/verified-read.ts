import {readFile} from 'node:fs/promises';
import {readAt} from './store-layout.js';
import {coveringSlices, SLICE_BYTES, verifyBody, verifySlice} from './slices.js';

/** What a read of a body file found: the bytes, no file, or bytes that fail verification. */
export type ReadOutcome = Buffer | 'missing' | 'corrupt';

function missing(error: unknown): 'missing' {
	if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
	throw error;
}

/** The whole body at `path`, checked against chunk `id`. */
export async function readBody(path: string, id: Uint8Array): Promise<ReadOutcome> {
	const body = await readFile(path).catch(missing);
	if (body === 'missing') return body;
	return verifyBody(id, body) ? body : 'corrupt';
}

/**
 * Bytes [start, end) of the body at `path` (a non-empty range within `size`): the covering 64 KiB
 * slices are read and each checked against `slices`, the hashes the index recorded for the chunk.
 */
export async function readBodyRange(
	path: string,
	size: number,
	slices: Uint8Array,
	start: number,
	end: number,
): Promise<ReadOutcome> {
	const {first, last} = coveringSlices(start, end);
	const from = first * SLICE_BYTES;
	const to = Math.min(size, (last + 1) * SLICE_BYTES);
	const bytes = await readAt(path, from, to - from).catch(missing);
	if (bytes === 'missing') return bytes;
	if (bytes.length !== to - from) return 'corrupt';
	for (let index = first; index <= last; index++) {
		const offset = (index - first) * SLICE_BYTES;
		const slice = bytes.subarray(offset, Math.min(offset + SLICE_BYTES, bytes.length));
		if (!verifySlice(slices, index, slice)) return 'corrupt';
	}

	return bytes.subarray(start - from, end - from);
}
