import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {mkdir, open, rename, rm, stat} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {Writable} from 'node:stream';
import {TornetError} from '../errors.js';
import {openChunk, openRange} from './chunk-crypto.js';
import type {ChunkStore} from './chunk-store.js';
import {loadDescription} from './description-chunks.js';
import type {FileDescription, FileEntry} from './file-description.js';
import {fileError} from './fs-errors.js';
import {type Link, parseLink} from './link.js';

export type ReadProgress = {bytesDone: number; bytesTotal: number; path: string};

export type ReadOptions = {
	onProgress?: (progress: ReadProgress) => void;
	/** One file of a directory (its path inside the description), instead of the whole tree. */
	file?: string;
	signal?: AbortSignal;
};

export type ReadResult = {description: FileDescription; bytes: number; files: number};

/** Where a chunk's verified body comes from: the local store now, peers through the fetcher later. */
export type BodySource = (chunk: FileEntry['chunks'][number]) => Promise<Uint8Array>;

export const storeSource =
	(store: ChunkStore): BodySource =>
	async (chunk) =>
		store.get(chunk.id);

/**
 * Decrypts a file's chunks in order and hands each plaintext to `sink` (which must be done with
 * the buffer when it resolves). Every body is verified by its source before it is decrypted.
 */
export async function writeEntry(
	source: BodySource,
	entry: FileEntry,
	sink: (plain: Buffer) => Promise<void>,
	onChunk?: (bytes: number) => void,
	signal?: AbortSignal,
): Promise<void> {
	for (const chunk of entry.chunks) {
		if (signal?.aborted) throw TornetError.aborted('read');
		const body = Buffer.from(await source(chunk));
		if (body.length !== chunk.size) throw TornetError.corrupt(`chunk ${chunk.id.toString('hex')}`);
		await sink(openChunk(body, chunk.key, body));
		onChunk?.(chunk.size);
	}
}

/**
 * Plaintext bytes [start, end) of a file from local chunks (the gateway's HTTP ranges): only the
 * slices covering the range are read and verified, and ChaCha20 is entered at the right block.
 */
export async function* readEntryRange(
	store: ChunkStore,
	entry: FileEntry,
	start: number,
	end: number,
): AsyncGenerator<Buffer> {
	if (
		!Number.isInteger(start) ||
		!Number.isInteger(end) ||
		start < 0 ||
		start > end ||
		end > entry.size
	)
		throw TornetError.badArgument(`range ${start}–${end} of a ${entry.size}-byte file`);
	let chunkStart = 0;
	for (const chunk of entry.chunks) {
		const chunkEnd = chunkStart + chunk.size;
		if (chunkEnd > start && chunkStart < end) {
			const from = Math.max(start, chunkStart) - chunkStart;
			const to = Math.min(end, chunkEnd) - chunkStart;
			const cipher = await store.readRange(chunk.id, from, to);
			yield openRange(cipher, chunk.key, from, cipher); // a fresh buffer: decrypted in place
		}

		chunkStart = chunkEnd;
		if (chunkStart >= end) break;
	}
}

async function writeToStream(stream: Writable, plain: Buffer): Promise<void> {
	// Each chunk is a fresh buffer, so the stream may keep it after write() returns.
	if (!stream.write(plain)) await once(stream, 'drain');
}

function selectFiles(description: FileDescription, file: string | undefined): FileEntry[] {
	if (file === undefined) return description.files;
	const entry = description.files.find((candidate) => candidate.path === file);
	if (!entry) throw TornetError.notFound(`${JSON.stringify(file)} in ${description.name}`);
	return [entry];
}

async function isDirectory(path: string): Promise<boolean> {
	return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Assembles a published file (or tree) from verified local chunks into a stream (a single file)
 * or a path. A path gets the file atomically (temp file, fsync, rename): on failure nothing is left
 * under the target name. An existing directory as target receives the content under its own name;
 * a directory tree is never written over an existing path.
 */
export async function readFileFromStore(
	store: ChunkStore,
	link: string | Link,
	out: Writable | string,
	options: ReadOptions | ReadOptions['onProgress'] = {},
	source: BodySource = storeSource(store),
): Promise<ReadResult> {
	const {onProgress, file, signal} =
		typeof options === 'function' ? {onProgress: options} : options;
	const description = await loadDescription(
		store,
		typeof link === 'string' ? parseLink(link) : link,
	);
	const files = selectFiles(description, file);
	const bytesTotal = files.reduce((sum, entry) => sum + entry.size, 0);
	let bytesDone = 0;
	const progress = (path: string) => (bytes: number) => {
		bytesDone += bytes;
		onProgress?.({bytesDone, bytesTotal, path});
	};

	const single = description.kind === 'file' || file !== undefined;
	if (typeof out !== 'string') {
		if (!single) throw TornetError.badArgument('a directory cannot be written to a stream');
		const [entry] = files;
		await writeEntry(
			source,
			entry,
			async (plain) => writeToStream(out, plain),
			progress(entry.path),
			signal,
		);
		return {description, bytes: bytesDone, files: 1};
	}

	if (single) {
		const [entry] = files;
		const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
		const target = (await isDirectory(out)) ? join(out, name) : out;
		await writeAtomically(target, async (temporary) =>
			writeFileEntry(source, entry, temporary, progress(entry.path), signal),
		);
		return {description, bytes: bytesDone, files: 1};
	}

	const target = (await isDirectory(out)) ? join(out, description.name) : out;
	if (await stat(target).catch(() => undefined))
		throw TornetError.badArgument(`${target} exists: a directory is never written over it`);
	const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
	try {
		await mkdir(temporary);
		for (const entry of files) {
			const path = join(temporary, ...entry.path.split('/'));
			await mkdir(dirname(path), {recursive: true});
			await writeFileEntry(source, entry, path, progress(entry.path), signal);
		}

		await rename(temporary, target);
	} catch (error) {
		await rm(temporary, {recursive: true, force: true});
		throw fileError(target, error);
	}

	return {description, bytes: bytesDone, files: files.length};
}

async function writeFileEntry(
	source: BodySource,
	entry: FileEntry,
	path: string,
	onChunk: (bytes: number) => void,
	signal: AbortSignal | undefined,
): Promise<void> {
	const handle = await open(path, 'wx', 0o644);
	try {
		await writeEntry(
			source,
			entry,
			async (plain) => {
				let done = 0;
				while (done < plain.length) done += (await handle.write(plain, done)).bytesWritten;
			},
			onChunk,
			signal,
		);
		await handle.datasync();
	} finally {
		await handle.close();
	}
}

async function writeAtomically(target: string, write: (temporary: string) => Promise<void>) {
	const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
	try {
		await write(temporary);
		await rename(temporary, target);
	} catch (error) {
		await rm(temporary, {force: true});
		throw fileError(target, error);
	}
}
