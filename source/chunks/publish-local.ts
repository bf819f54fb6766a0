import {type FileHandle, open, stat} from 'node:fs/promises';
import {basename, dirname, resolve} from 'node:path';
import {TornetError} from '../errors.js';
import type {SealedChunk} from './chunk-crypto.js';
import type {ChunkStore, PutResult} from './chunk-store.js';
import {sealDescription} from './description-chunks.js';
import type {ChunkRef, FileDescription, FileEntry} from './file-description.js';
import {type WalkedFile, walkFiles} from './file-walk.js';
import {fileError} from './fs-errors.js';
import {formatLink} from './link.js';
import {segmentProblem} from './relative-path.js';
import {Sealer} from './sealer.js';
import {CHUNK_BYTES} from './slices.js';

export type PublishProgress = {bytesDone: number; bytesTotal: number; chunks: number; path: string};

export type PublishTimings = {
	/** Time in SHA-256 (content keys, slice hashes, ids), on whichever thread sealed. */
	hashMs: number;
	encryptMs: number;
	/** Time the pipeline waited for body writes (fsync included) beyond the overlap with hashing. */
	writeWaitMs: number;
	readWaitMs: number;
	totalMs: number;
};

export type PublishResult = {
	link: string;
	/** Content bytes published. */
	bytes: number;
	/** Chunks the link needs: content chunks and description chunks. */
	chunks: number;
	description: FileDescription;
	timings: PublishTimings;
};

export type PublishOptions = {
	onProgress?: (progress: PublishProgress) => void;
	signal?: AbortSignal;
	/** Bodies written at once (default WRITES_IN_FLIGHT). */
	writes?: number;
	/** Seal in a worker thread; by default only for publishes of SEAL_THREAD_BYTES or more. */
	sealThread?: boolean;
};

/** Bodies being written at once: enough to keep the thread pool's fsyncs overlapped with hashing. */
const WRITES_IN_FLIGHT = 4;
/** Chunks read ahead of the one being sealed. */
const READ_AHEAD = 4;
/** Chunks handed to the sealer before waiting for the oldest (at most READ_AHEAD). */
const SEALS_AHEAD = 2;
/** Below this a seal thread costs more to start (~0.1–0.3 s) than it saves. */
const SEAL_THREAD_BYTES = 64 << 20;

/** A buffer with an ArrayBuffer of its own: the seal thread takes buffers by transfer. */
const chunkBuffer = () => Buffer.from(new ArrayBuffer(CHUNK_BYTES));

/**
 * Publishes a file or a directory tree into the local store: streams each file in 1 MiB chunks
 * (a few read and body buffers, 7 MiB, never the whole file) read ahead while earlier ones are
 * sealed (chunk-crypto.ts, on a seal thread for large publishes) and written (pinned) in
 * parallel, then stores the description and makes everything durable. The link is returned only
 * once a crash can no longer lose what it names.
 *
 * On any failure (missing path NOT_FOUND, unreadable BAD_ARGUMENT, budget DISK_FULL, abort) what
 * this publish added is removed again: new chunks deleted, pins it added cleared.
 */
export async function publishFile(
	store: ChunkStore,
	path: string,
	options: PublishOptions | PublishOptions['onProgress'] = {},
): Promise<PublishResult> {
	const {onProgress, signal, writes, sealThread}: PublishOptions =
		typeof options === 'function' ? {onProgress: options} : options;
	const started = performance.now();
	const absolute = resolve(path);
	const stats = await stat(absolute).catch((error: unknown) => {
		throw fileError(path, error);
	});
	const name = basename(absolute);
	const dataDir = resolve(dirname(store.layout.root));
	const nameProblem = segmentProblem(name);
	if (nameProblem) throw TornetError.badArgument(`cannot publish ${path}: ${nameProblem}`);
	let files: WalkedFile[];
	if (stats.isFile()) files = [{absolute, path: name}];
	else if (stats.isDirectory())
		files = await walkFiles(absolute, (entry) => entry === dataDir).catch((error: unknown) => {
			throw fileError(path, error);
		});
	else throw TornetError.badArgument(`${path} is neither a file nor a directory`);

	const bytesTotal = stats.isFile() ? stats.size : await totalSize(files);
	const sealer = new Sealer(sealThread ?? bytesTotal >= SEAL_THREAD_BYTES);
	const publisher = new Publisher(store, sealer, signal, writes ?? WRITES_IN_FLIGHT);
	publisher.bytesTotal = bytesTotal;
	publisher.onProgress = onProgress;
	try {
		const entries: FileEntry[] = [];
		for (const file of files) entries.push(await publisher.file(file));
		if (signal?.aborted) throw TornetError.aborted('publish');
		const description: FileDescription = {
			kind: stats.isFile() ? 'file' : 'directory',
			name,
			files: entries,
		};
		const {root, parts} = sealDescription(description);
		for (const part of [...parts, root]) await publisher.put(part);
		await store.flush();
		const chunks = entries.reduce((sum, entry) => sum + entry.chunks.length, 0) + parts.length + 1;
		publisher.timings.totalMs = performance.now() - started;
		publisher.timings.hashMs = sealer.timings.hashMs;
		publisher.timings.encryptMs = sealer.timings.encryptMs;
		return {
			link: formatLink({id: root.id, key: root.key}),
			bytes: publisher.bytesDone,
			chunks,
			description,
			timings: publisher.timings,
		};
	} catch (error) {
		await publisher.rollback();
		throw fileError(path, error);
	} finally {
		await sealer.close();
	}
}

async function totalSize(files: WalkedFile[]): Promise<number> {
	let total = 0;
	for (const file of files) total += (await stat(file.absolute).catch(() => ({size: 0}))).size;
	return total;
}

async function readFull(file: FileHandle, buffer: Buffer, position: number): Promise<number> {
	let done = 0;
	while (done < buffer.length) {
		const {bytesRead} = await file.read(buffer, done, buffer.length - done, position + done);
		if (bytesRead === 0) break;
		done += bytesRead;
	}

	return done;
}

class Publisher {
	bytesTotal = 0;
	bytesDone = 0;
	chunks = 0;
	onProgress: PublishOptions['onProgress'];
	readonly timings: PublishTimings = {
		hashMs: 0,
		encryptMs: 0,
		writeWaitMs: 0,
		readWaitMs: 0,
		totalMs: 0,
	};
	private readonly store: ChunkStore;
	private readonly signal: AbortSignal | undefined;
	private readonly added: Buffer[] = [];
	private readonly pinned: Buffer[] = [];
	private readonly reads: Buffer[] = Array.from({length: READ_AHEAD}, chunkBuffer);
	private readonly free: Buffer[];
	private readonly writes = new Set<Promise<void>>();
	private failure: unknown;

	private readonly sealer: Sealer;

	constructor(store: ChunkStore, sealer: Sealer, signal: AbortSignal | undefined, writes: number) {
		this.store = store;
		this.sealer = sealer;
		this.signal = signal;
		this.free = Array.from({length: Math.max(1, writes) + SEALS_AHEAD}, chunkBuffer);
	}

	async put(chunk: SealedChunk): Promise<void> {
		this.record(chunk.id, await this.store.putSealed(chunk, {pinned: true}));
	}

	async file(file: WalkedFile): Promise<FileEntry> {
		const handle = await open(file.absolute, 'r').catch((error: unknown) => {
			throw fileError(file.absolute, error);
		});
		const chunks: ChunkRef[] = [];
		let size = 0;
		// Chunk i is read at offset i MiB into slot i mod READ_AHEAD; when its seal is done the slot
		// takes chunk i + READ_AHEAD. SEALS_AHEAD seals are queued so the seal thread never idles.
		const reads: Array<Promise<number>> = [];
		const seals: Array<Promise<void>> = [];
		const read = (index: number) => {
			reads[index % READ_AHEAD] = readFull(
				handle,
				this.reads[index % READ_AHEAD],
				index * CHUNK_BYTES,
			);
		};

		try {
			for (let index = 0; index < READ_AHEAD; index++) read(index);
			for (let index = 0; ; index++) {
				const slot = index % READ_AHEAD;
				let waited = performance.now();
				const length = await reads[slot];
				this.timings.readWaitMs += performance.now() - waited;
				if (length === 0) break;
				size += length;
				if (this.signal?.aborted) throw TornetError.aborted('publish');
				waited = performance.now();
				while (this.free.length === 0) await Promise.race(this.writes);
				this.timings.writeWaitMs += performance.now() - waited;
				if (this.failure) throw this.failure;
				const sealing = this.sealer.seal(this.reads[slot].subarray(0, length), this.free.pop()!);
				seals.push(
					sealing.then(({sealed, plain, out}) => {
						this.reads[slot] = plain;
						chunks[index] = {
							id: sealed.id,
							key: sealed.key,
							size: sealed.size,
							slices: sealed.slices,
						};
						this.write(sealed, out, file.path);
						if (length === CHUNK_BYTES) read(index + READ_AHEAD);
					}),
				);
				if (seals.length >= SEALS_AHEAD) await seals.shift();
				if (length < CHUNK_BYTES) break; // end of file
			}

			await Promise.all(seals);
			const waited = performance.now();
			await Promise.all(this.writes);
			this.timings.writeWaitMs += performance.now() - waited;
			if (this.failure) throw this.failure;
		} catch (error) {
			await Promise.allSettled([...seals, ...this.writes]);
			throw fileError(file.absolute, error);
		} finally {
			await Promise.allSettled(reads);
			await handle.close();
		}

		return {path: file.path, size, chunks};
	}

	/** Stores a body in the background; its buffer returns to the pool when the write is done. */
	private write(sealed: SealedChunk, buffer: Buffer, path: string): void {
		const write = this.store
			.putSealed(sealed, {pinned: true})
			.then((result) => {
				this.record(sealed.id, result);
				this.bytesDone += sealed.size;
				this.chunks++;
				this.onProgress?.({
					bytesDone: this.bytesDone,
					bytesTotal: this.bytesTotal,
					chunks: this.chunks,
					path,
				});
			})
			.catch((error: unknown) => {
				this.failure ??= error;
			})
			.finally(() => {
				this.writes.delete(write);
				this.free.push(buffer);
			});
		this.writes.add(write);
	}

	private record(id: Buffer, result: PutResult): void {
		if (result === 'stored') this.added.push(id);
		else if (result === 'pinned') this.pinned.push(id);
	}

	/** Undoes this publish: its new chunks go, pins it set are cleared (best effort, then rethrow). */
	async rollback(): Promise<void> {
		await Promise.allSettled(this.writes);
		for (const id of this.added) await this.store.delete(id).catch(() => undefined);
		for (const id of this.pinned) await this.store.pin(id, false).catch(() => undefined);
	}
}
