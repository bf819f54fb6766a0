import {TornetError} from '../errors.js';
import {ID_BYTES} from '../identity/hash.js';
import type {SealedChunk} from './chunk-crypto.js';
import {type ChunkInfo, type EvictionPolicy, leastRecentlyUsed, makeRoom} from './eviction.js';
import {IndexWriter} from './index-writer.js';
import {DiskBudget} from './disk-budget.js';
import {KeyedLock} from './keyed-lock.js';
import {
	bodyDirectory,
	bodyPath,
	diskCost,
	prepareDirectories,
	removeFile,
	type StoreLayout,
	storeLayout,
	syncDirectory,
	writeBody,
} from './store-layout.js';
import {
	chunkKey,
	chunkRange,
	CLEAN_KEY,
	decodeEntry,
	encodeClean,
	encodeEntry,
	idOfKey,
	type IndexEntry,
} from './store-index.js';
import {type Db, openIndex, type RecoveryReport} from './store-recovery.js';
import {readBody, readBodyRange, type ReadOutcome} from './verified-read.js';
import {isRange, SLICE_BYTES, SLICE_HASH_BYTES, verifyBody} from './slices.js';

export type ChunkStoreOptions = {
	dataDir: string;
	/** Disk budget for chunk bodies and downloads in progress, in bytes (the node's --disk). */
	diskBytes?: number;
	/** Picks unpinned chunks to drop when a write does not fit; least recently used by default. */
	evictionPolicy?: EvictionPolicy;
	now?: () => number;
	/** Test hook: runs after a body is in place and before its index record is written. */
	afterBodyWrite?: (id: Buffer) => Promise<void> | void;
	/** A chunk became held, or its pin changed (the node keeps an in-memory view for the DHT). */
	onStored?: (id: Buffer, size: number, pinned: boolean) => void;
	/** A chunk is no longer held (deleted, evicted, or dropped as corrupt). */
	onRemoved?: (id: Buffer) => void;
};

/** 'present': held already; 'pinned': held already, unpinned until this put. */
export type PutResult = 'stored' | 'present' | 'pinned';

export type PutOptions = {
	/** Published here (kept until unpinned, never evicted); otherwise a cached copy. */
	pinned?: boolean;
	/** Make this chunk (and every earlier write) survive a crash before resolving. */
	durable?: boolean;
};

/** A read is not a write: a chunk's last access is rewritten at most this often. */
const ACCESS_GRANULARITY_MS = 60_000;
const FLUSH_KEY = Buffer.from('m/flush');

function checkId(id: Uint8Array): void {
	if (id.length !== ID_BYTES) throw TornetError.badArgument(`chunk id of ${id.length} bytes`);
}

function toInfo(id: Buffer, {size, pinned, lastAccess}: IndexEntry): ChunkInfo {
	return {id, size, pinned, lastAccess};
}

/**
 * Chunk bodies as files (fast, see store-layout.ts), their index in LevelDB. Invariants:
 *
 * - a record exists only for a complete body (body written and renamed first, record after; a
 *   crash in between leaves an orphan body that recovery deletes);
 * - every read is verified against the chunk id (or, for a range, against the slice hashes the
 *   record keeps, which the id was checked against when the body was written); a body that fails
 *   is deleted and reported CORRUPT so the caller fetches it again;
 * - the disk cost of records plus reservations (writes and downloads in flight) stays within the
 *   budget; unpinned chunks make room through the eviction policy, pinned ones never do;
 * - operations on one chunk are serialised (KeyedLock); different chunks proceed in parallel.
 *
 * Nothing is held in memory per chunk: counters, a lock per chunk in flight, and the fan-out
 * directories written since the last flush.
 */
export class ChunkStore {
	readonly layout: StoreLayout;
	/** What the last open found (recovery after an unclean stop, or the clean-close counters). */
	readonly recovery: RecoveryReport | undefined;
	private readonly db: Db;
	private readonly index: IndexWriter;
	private readonly options: ChunkStoreOptions;
	private readonly locks = new KeyedLock();
	private readonly budget: DiskBudget;
	private readonly touched = new Set<string>();
	private chunks: number;
	private closed = false;

	private constructor(
		layout: StoreLayout,
		db: Db,
		options: ChunkStoreOptions,
		counters: {bytes: number; chunks: number},
		recovery: RecoveryReport | undefined,
	) {
		this.layout = layout;
		this.db = db;
		this.index = new IndexWriter(db);
		this.options = options;
		this.budget = new DiskBudget(options.diskBytes ?? Number.POSITIVE_INFINITY, counters.bytes);
		this.chunks = counters.chunks;
		this.recovery = recovery;
	}

	static async open(options: ChunkStoreOptions): Promise<ChunkStore> {
		const layout = storeLayout(options.dataDir);
		await prepareDirectories(layout);
		const {db, counters, report} = await openIndex(layout);
		return new ChunkStore(layout, db, options, counters, report);
	}

	/** Disk cost (4 KiB blocks) of stored bodies and reservations. */
	get usedBytes(): number {
		return this.budget.used;
	}

	get diskBytes(): number {
		return this.budget.bytes;
	}

	get chunkCount(): number {
		return this.chunks;
	}

	/** A smaller budget is enforced on the next write (nothing is dropped now). */
	setDiskBytes(bytes: number): void {
		this.budget.setBytes(bytes);
	}

	async has(id: Uint8Array): Promise<boolean> {
		return (await this.entry(id)) !== undefined;
	}

	async info(id: Uint8Array): Promise<ChunkInfo | undefined> {
		const entry = await this.entry(id);
		return entry && toInfo(Buffer.from(id), entry);
	}

	/** The slice hashes of a held chunk: what a peer that knows only the id needs to verify slices. */
	async slicesOf(id: Uint8Array): Promise<Buffer | undefined> {
		return (await this.entry(id))?.slices;
	}

	/**
	 * Stores a body received from anyone: verified against `id` first (CORRUPT if it is not that
	 * chunk). Storing a chunk already held only upgrades its pin.
	 */
	async put(id: Uint8Array, body: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
		checkId(id);
		const slices = verifyBody(id, body);
		if (!slices) throw TornetError.corrupt(`chunk ${Buffer.from(id).toString('hex')}`);
		return this.write(Buffer.from(id), body, slices, options);
	}

	/** Stores a chunk this process just sealed (chunk-crypto.ts): no second hashing pass. */
	async putSealed(chunk: SealedChunk, options: PutOptions = {}): Promise<PutResult> {
		return this.write(chunk.id, chunk.body, chunk.slices, options);
	}

	/** The whole body, verified against its id. NOT_FOUND or CORRUPT otherwise. */
	async get(id: Uint8Array): Promise<Buffer> {
		const entry = await this.require(id);
		return this.outcome(id, entry, await readBody(bodyPath(this.layout, id), id));
	}

	/**
	 * Bytes [start, end) of a body, for serving a sub-range: only the covering 64 KiB slices are
	 * read, each verified against the slice hashes in the index.
	 */
	async readRange(id: Uint8Array, start: number, end: number): Promise<Buffer> {
		const entry = await this.require(id);
		if (!isRange(start, end, entry.size))
			throw TornetError.badArgument(`range ${start}–${end} of a ${entry.size}-byte chunk`);
		if (start === end) return Buffer.alloc(0);
		const path = bodyPath(this.layout, id);
		return this.outcome(id, entry, await readBodyRange(path, entry.size, entry.slices, start, end));
	}

	/** Whole slices [first, first + count), verified: what a multi-source fetch asks a holder for. */
	async readSlices(id: Uint8Array, first: number, count: number): Promise<Buffer> {
		const entry = await this.require(id);
		const slices = entry.slices.length / SLICE_HASH_BYTES;
		if (count < 1 || !isRange(first, first + count, slices))
			throw TornetError.badArgument(`slices ${first}+${count} of ${slices}`);
		return this.readRange(
			id,
			first * SLICE_BYTES,
			Math.min(entry.size, (first + count) * SLICE_BYTES),
		);
	}

	/** Sets or clears the pin; false when the chunk is not held. */
	async pin(id: Uint8Array, pinned = true): Promise<boolean> {
		checkId(id);
		return this.locks.run(Buffer.from(id).toString('hex'), async () => {
			const entry = await this.entry(id);
			if (!entry) return false;
			if (entry.pinned !== pinned) {
				await this.index.put(chunkKey(id), encodeEntry({...entry, pinned}));
				this.options.onStored?.(Buffer.from(id), entry.size, pinned);
			}

			return true;
		});
	}

	/**
	 * Drops a cached (unpinned) chunk to free disk, unless it is pinned or in use right now (being
	 * written, repaired or pinned). Returns the disk cost freed.
	 */
	async dropCached(id: Uint8Array): Promise<number> {
		const hex = Buffer.from(id).toString('hex');
		if (id.length !== ID_BYTES || this.locks.isLocked(hex)) return 0;
		return this.locks.run(hex, async () => {
			const entry = await this.entry(id);
			if (!entry || entry.pinned || !(await this.remove(id))) return 0;
			return diskCost(entry.size);
		});
	}

	/** Drops a chunk (record first, then body); false when it was not held. */
	async delete(id: Uint8Array): Promise<boolean> {
		checkId(id);
		return this.locks.run(Buffer.from(id).toString('hex'), async () => this.remove(id));
	}

	/** Every held chunk, streamed from the index (ordered by id; memory does not grow with the store). */
	async *list(): AsyncGenerator<ChunkInfo> {
		this.assertOpen();
		for await (const [key, value] of this.db.iterator(chunkRange())) {
			const id = idOfKey(key);
			const entry = decodeEntry(value);
			if (id && entry) yield toInfo(id, entry);
		}
	}

	/** Makes every write so far survive a crash: directory entries of new bodies, then the index log. */
	async flush(): Promise<void> {
		this.assertOpen();
		const directories = [...this.touched];
		this.touched.clear();
		await Promise.all(directories.map(async (directory) => syncDirectory(directory)));
		await this.index.put(FLUSH_KEY, Buffer.alloc(0), true);
	}

	/** Waits for writes in flight, flushes, and marks the store clean (no recovery scan next open). */
	async close(): Promise<void> {
		if (this.closed) return;
		await this.locks.idle();
		await this.flush();
		this.closed = true;
		await this.db.put(CLEAN_KEY, encodeClean(this.budget.used, this.chunks), {sync: true});
		await this.db.close();
	}

	// ---- for partial-chunk.ts ----

	/** Reserves disk for a body about to be written, evicting unpinned chunks if needed. */
	async reserve(size: number, pinned: boolean): Promise<void> {
		const policy = this.options.evictionPolicy ?? leastRecentlyUsed;
		await this.budget.reserve(size, pinned, async (bytes) => makeRoom(this, policy, bytes));
	}

	release(size: number): void {
		this.budget.release(size);
	}

	get database(): Db {
		return this.db;
	}

	get lock(): KeyedLock {
		return this.locks;
	}

	/** Records a body already renamed into place under its id; the caller holds the chunk's lock. */
	async commit(id: Buffer, size: number, slices: Buffer, pinned: boolean): Promise<void> {
		this.touched.add(bodyDirectory(this.layout, id));
		await this.options.afterBodyWrite?.(id);
		const entry: IndexEntry = {size, pinned, lastAccess: this.now(), slices};
		await this.index.put(chunkKey(id), encodeEntry(entry));
		this.chunks++;
		this.options.onStored?.(id, size, pinned);
	}

	async entry(id: Uint8Array): Promise<IndexEntry | undefined> {
		checkId(id);
		this.assertOpen();
		const value = await this.db.get(chunkKey(id));
		return value && decodeEntry(value);
	}

	// ---- internals ----

	private now(): number {
		return (this.options.now ?? Date.now)();
	}

	private assertOpen(): void {
		if (this.closed) throw TornetError.notRunning('the chunk store is closed');
	}

	private async write(
		id: Buffer,
		body: Uint8Array,
		slices: Buffer,
		options: PutOptions,
	): Promise<PutResult> {
		const pinned = options.pinned ?? false;
		const result = await this.locks.run(id.toString('hex'), async (): Promise<PutResult> => {
			const existing = await this.entry(id);
			if (existing) {
				if (!pinned || existing.pinned) return 'present';
				await this.index.put(
					chunkKey(id),
					encodeEntry({...existing, pinned, lastAccess: this.now()}),
				);
				this.options.onStored?.(id, existing.size, pinned);
				return 'pinned';
			}

			await this.reserve(body.length, pinned);
			let written = false;
			try {
				await writeBody(this.layout, id, body);
				written = true;
				await this.commit(id, body.length, slices, pinned);
			} catch (error) {
				this.release(body.length);
				if (written) await removeFile(bodyPath(this.layout, id));
				throw error;
			}

			return 'stored';
		});
		if (options.durable) await this.flush();
		return result;
	}

	private async require(id: Uint8Array): Promise<IndexEntry> {
		const entry = await this.entry(id);
		if (!entry) throw TornetError.notFound(`chunk ${Buffer.from(id).toString('hex')}`);
		return entry;
	}

	private async remove(id: Uint8Array): Promise<boolean> {
		const entry = await this.entry(id);
		if (!entry) return false;
		await this.index.del(chunkKey(id));
		await removeFile(bodyPath(this.layout, id));
		this.budget.release(entry.size);
		this.chunks--;
		this.options.onRemoved?.(Buffer.from(id));
		return true;
	}

	/**
	 * A read found the body missing or failing verification. Under the chunk's lock (a concurrent
	 * put may have replaced it meanwhile) the body is checked again and, if still bad, dropped with
	 * its record, so the chunk is fetched again.
	 */
	private async repair(id: Uint8Array): Promise<void> {
		await this.locks.run(Buffer.from(id).toString('hex'), async () => {
			if (!(await this.entry(id))) return;
			const again = await readBody(bodyPath(this.layout, id), id);
			if (!Buffer.isBuffer(again)) await this.remove(id);
		});
	}

	/** A read that failed (CORRUPT for bad bytes, NOT_FOUND for a body gone) repairs the store. */
	private async outcome(id: Uint8Array, entry: IndexEntry, read: ReadOutcome): Promise<Buffer> {
		if (Buffer.isBuffer(read)) {
			await this.touch(id, entry);
			return read;
		}

		await this.repair(id);
		const what = `chunk ${Buffer.from(id).toString('hex')}`;
		throw read === 'corrupt' ? TornetError.corrupt(`stored ${what}`) : TornetError.notFound(what);
	}

	private async touch(id: Uint8Array, seen: IndexEntry): Promise<void> {
		const now = this.now();
		if (now - seen.lastAccess < ACCESS_GRANULARITY_MS) return;
		await this.locks.run(Buffer.from(id).toString('hex'), async () => {
			const entry = await this.entry(id);
			if (entry) await this.index.put(chunkKey(id), encodeEntry({...entry, lastAccess: now}));
		});
	}
}
