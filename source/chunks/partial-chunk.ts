import {type FileHandle, open, rename} from 'node:fs/promises';
import {TornetError} from '../errors.js';
import type {ChunkStore} from './chunk-store.js';
import {bodyPath, partialPath, removeFile} from './store-layout.js';
import {decodePartial, encodePartial, partialKey} from './store-index.js';
import {SLICE_BYTES, sliceCount, sliceLength, slicesMatchId, verifySlice} from './slices.js';

/**
 * A chunk being downloaded slice by slice, possibly from several holders at once. Each slice is
 * verified before it is written; a bad one is refused (the caller penalises whoever sent it and
 * asks someone else). The file lives in `chunks/partial/<id>` with a record in the index, so a
 * download survives a restart: on reopen the slices already on disk are hashed again (a local
 * re-hash at ~1 GB/s, instead of an fsync per slice while downloading), and only the rest is
 * fetched. When every slice is in, the file is synced and renamed into place like any body.
 */
export class PartialChunk {
	readonly id: Buffer;
	readonly size: number;
	readonly slices: Buffer;
	readonly pinned: boolean;
	private readonly store: ChunkStore;
	private readonly have: Uint8Array;
	private file: FileHandle | undefined;
	private done = false;

	constructor(
		store: ChunkStore,
		id: Buffer,
		size: number,
		slices: Buffer,
		pinned: boolean,
		file: FileHandle,
	) {
		this.store = store;
		this.id = id;
		this.size = size;
		this.slices = slices;
		this.pinned = pinned;
		this.file = file;
		this.have = new Uint8Array(sliceCount(size));
	}

	get sliceTotal(): number {
		return this.have.length;
	}

	get complete(): boolean {
		return this.have.every((value) => value === 1);
	}

	hasSlice(index: number): boolean {
		return this.have[index] === 1;
	}

	/** Indices of the slices still to fetch, in order. */
	missing(): number[] {
		const out: number[] = [];
		for (let index = 0; index < this.have.length; index++) if (!this.have[index]) out.push(index);
		return out;
	}

	/** Verifies and writes one slice; false when `bytes` is not that slice (nothing is written). */
	async writeSlice(index: number, bytes: Uint8Array): Promise<boolean> {
		if (!Number.isInteger(index) || index < 0 || index >= this.have.length) return false;
		if (bytes.length !== sliceLength(this.size, index) || !verifySlice(this.slices, index, bytes))
			return false;
		if (this.have[index]) return true;
		const file = this.openFile();
		await file.write(bytes, 0, bytes.length, index * SLICE_BYTES);
		this.have[index] = 1;
		return true;
	}

	/** Re-hashes what is on disk (after a restart) and marks the slices that verify. */
	async scan(): Promise<void> {
		const file = this.openFile();
		const buffer = Buffer.allocUnsafe(SLICE_BYTES);
		for (let index = 0; index < this.have.length; index++) {
			const length = sliceLength(this.size, index);
			const {bytesRead} = await file.read(buffer, 0, length, index * SLICE_BYTES);
			this.have[index] =
				bytesRead === length && verifySlice(this.slices, index, buffer.subarray(0, length)) ? 1 : 0;
		}
	}

	/**
	 * Moves the complete chunk into the store: 'stored', or 'present' when another download or a
	 * put stored it meanwhile (this copy is then dropped).
	 */
	async finish(): Promise<'stored' | 'present'> {
		if (!this.complete) throw TornetError.badArgument(`chunk ${this.hex} still misses slices`);
		return this.store.lock.run(this.hex, async () => {
			// Two fetches of one chunk share this download (a fetch and the pull cache, say): the
			// second to finish finds the work done.
			if (this.done && !this.file && (await this.store.has(this.id))) return 'present' as const;
			const file = this.openFile();
			this.done = true;
			this.file = undefined;
			if (await this.store.has(this.id)) {
				await file.close();
				await this.discard();
				return 'present' as const;
			}

			await file.datasync();
			await file.close();
			await rename(partialPath(this.store.layout, this.id), bodyPath(this.store.layout, this.id));
			await this.store.commit(this.id, this.size, this.slices, this.pinned);
			await this.store.database.del(partialKey(this.id));
			forget(this.store, this.hex);
			return 'stored' as const;
		});
	}

	/** Stops for now (the node is closing): file and record stay, to resume after a restart. */
	async suspend(): Promise<void> {
		if (this.done) return;
		this.done = true;
		await this.file?.close();
		this.file = undefined;
		forget(this.store, this.hex);
	}

	/** Gives the download up: file, record and reservation go. */
	async abandon(): Promise<void> {
		if (this.done) return;
		this.done = true;
		await this.file?.close();
		this.file = undefined;
		await this.store.lock.run(this.hex, async () => this.discard());
	}

	private get hex(): string {
		return this.id.toString('hex');
	}

	private openFile(): FileHandle {
		if (this.done || !this.file) throw TornetError.aborted(`download of chunk ${this.hex}`);
		return this.file;
	}

	private async discard(): Promise<void> {
		await this.store.database.del(partialKey(this.id));
		await removeFile(partialPath(this.store.layout, this.id));
		this.store.release(this.size);
		forget(this.store, this.hex);
	}
}

const open_ = new WeakMap<ChunkStore, Map<string, Promise<PartialChunk>>>();

function forget(store: ChunkStore, hex: string): void {
	open_.get(store)?.delete(hex);
}

/** Suspends every download open on `store` (before closing it): they resume after a restart. */
export async function suspendPartials(store: ChunkStore): Promise<void> {
	const table = open_.get(store);
	if (!table) return;
	const partials = await Promise.allSettled(table.values());
	for (const result of partials) if (result.status === 'fulfilled') await result.value.suspend();
}

export type PartialOptions = {pinned?: boolean};

/**
 * Starts or resumes the download of chunk `id`, whose slice list (from the file description or
 * from a peer) must match the id: CORRUPT otherwise. Undefined when the chunk is already held.
 * Concurrent calls for one chunk share one PartialChunk. Reserves the chunk's disk cost (DISK_FULL
 * if it cannot be made to fit).
 */
export async function openPartial(
	store: ChunkStore,
	id: Uint8Array,
	size: number,
	slices: Uint8Array,
	options: PartialOptions = {},
): Promise<PartialChunk | undefined> {
	const hex = Buffer.from(id).toString('hex');
	if (!slicesMatchId(id, size, slices)) throw TornetError.corrupt(`slice list of chunk ${hex}`);
	if (await store.has(id)) return undefined;
	let table = open_.get(store);
	if (!table) {
		table = new Map();
		open_.set(store, table);
	}

	const existing = table.get(hex);
	if (existing) return existing;
	const opening = store.lock.run(hex, async () =>
		start(store, Buffer.from(id), size, Buffer.from(slices), options.pinned ?? false),
	);
	table.set(hex, opening);
	opening.catch(() => forget(store, hex));
	return opening;
}

async function start(store: ChunkStore, id: Buffer, size: number, slices: Buffer, pinned: boolean) {
	const path = partialPath(store.layout, id);
	const recorded = await store.database.get(partialKey(id));
	const entry = recorded && decodePartial(recorded);
	if (entry && entry.size === size && entry.slices.equals(slices)) {
		const file = await open(path, 'r+').catch(() => undefined);
		if (file) {
			const partial = new PartialChunk(store, id, size, slices, entry.pinned || pinned, file);
			await partial.scan();
			return partial;
		}
	}

	if (entry) store.release(entry.size);
	await store.reserve(size, pinned);
	try {
		const file = await open(path, 'w+', 0o600);
		await file.truncate(size);
		await store.database.put(partialKey(id), encodePartial({size, pinned, slices}));
		return new PartialChunk(store, id, size, slices, pinned, file);
	} catch (error) {
		store.release(size);
		await removeFile(path);
		throw error;
	}
}
