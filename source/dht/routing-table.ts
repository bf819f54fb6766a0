import {
	compareToTarget,
	type ContactIndex,
	ID_WORDS,
	type IdTable,
	NONE,
	sharedPrefix,
} from './id-table.js';

export type AddResult = 'added' | 'present' | 'full' | 'self';

export type RoutingTableOptions = {
	/** Kademlia bucket size. */
	k?: number;
	/** Tables held in this store: 1 for a real node, one per node in the simulator. */
	owners?: number;
	/**
	 * Buckets per owner. Bucket b holds contacts sharing exactly b leading bits with the owner; the
	 * last bucket holds everything deeper (the classic "bucket containing our own id"). 160 for a
	 * real node; the simulator uses log2(nodes) + a margin, since deeper buckets are empty anyway.
	 */
	depth?: number;
	/** Blocks to allocate up front (the converged builder knows the count). */
	initialBlocks?: number;
};

/**
 * Kademlia routing tables as typed-array blocks of contact indices (SIMULATION.md). One store
 * serves one owner (a real node, a few KB) or a million (the simulator, ~2 GB): each bucket is a
 * block of k u32 indices in a shared pool, a per-owner directory maps bucket → block, and
 * per-contact metadata lives in parallel columns. Within a block contacts are kept in
 * least-recently-seen order (slot 0 is the oldest), so no last-seen column is needed for eviction.
 */
export class RoutingTable {
	readonly k: number;
	readonly owners: number;
	readonly depth: number;
	readonly ids: IdTable;
	/** Contact index of each owner's own id. */
	readonly self: Uint32Array;
	/** owner × depth → block + 1 (0: no block). */
	private readonly directory: Uint32Array;
	private pool: Uint32Array;
	/** Consecutive failed requests per slot; reset whenever the contact is heard from. */
	private failures: Uint8Array;
	private fill: Uint8Array;
	/** Seconds (clock / 1000) when a bucket's oldest contact was last checked by a ping. */
	private checked: Uint32Array;
	private blocks = 0;
	private freeBlocks: number[] = [];
	private scratch = new Uint32Array(256);

	constructor(ids: IdTable, options: RoutingTableOptions = {}) {
		this.ids = ids;
		this.k = options.k ?? 20;
		this.owners = options.owners ?? 1;
		this.depth = options.depth ?? 160;
		if (this.k < 1 || this.k > 255) throw new RangeError('k must be 1..255');
		if (this.depth < 1 || this.depth > 160) throw new RangeError('depth must be 1..160');
		this.self = new Uint32Array(this.owners).fill(NONE);
		this.directory = new Uint32Array(this.owners * this.depth);
		const initial = Math.max(4, options.initialBlocks ?? 8);
		this.pool = new Uint32Array(initial * this.k);
		this.failures = new Uint8Array(initial * this.k);
		this.fill = new Uint8Array(initial);
		this.checked = new Uint32Array(initial);
	}

	setSelf(owner: number, contact: ContactIndex): void {
		this.self[owner] = contact;
	}

	/** Bucket of `contact` in `owner`'s table; -1 for the owner itself. */
	bucketOf(owner: number, contact: ContactIndex): number {
		const shared = sharedPrefix(
			this.ids.words,
			this.self[owner] * ID_WORDS,
			this.ids.words,
			contact * ID_WORDS,
		);
		if (shared === ID_WORDS * 32) return -1;
		return Math.min(shared, this.depth - 1);
	}

	/** Bucket a target id (5 words) falls into. */
	bucketOfTarget(owner: number, target: Uint32Array): number {
		const shared = sharedPrefix(this.ids.words, this.self[owner] * ID_WORDS, target, 0);
		return Math.min(shared, this.depth - 1);
	}

	/**
	 * Adds a contact heard from. Present → moved to the most-recent end. Room → appended. A full
	 * bucket is left alone: the caller pings `oldest()` and calls `replace()` only if that fails.
	 */
	add(owner: number, contact: ContactIndex): AddResult {
		const bucket = this.bucketOf(owner, contact);
		if (bucket < 0) return 'self';
		let block = this.directory[owner * this.depth + bucket] - 1;
		if (block < 0) {
			block = this.allocBlock();
			this.directory[owner * this.depth + bucket] = block + 1;
		}

		const base = block * this.k;
		const fill = this.fill[block];
		for (let i = 0; i < fill; i++) {
			if (this.pool[base + i] === contact) {
				this.moveToTail(base, i, fill);
				return 'present';
			}
		}

		if (fill >= this.k) return 'full';
		this.pool[base + fill] = contact;
		this.failures[base + fill] = 0;
		this.fill[block] = fill + 1;
		return 'added';
	}

	/** Marks a contact as just heard from: most-recent end, failures cleared. False if absent. */
	touch(owner: number, contact: ContactIndex): boolean {
		const slot = this.find(owner, contact);
		if (slot < 0) return false;
		const block = Math.floor(slot / this.k);
		this.moveToTail(block * this.k, slot - block * this.k, this.fill[block]);
		return true;
	}

	/** Counts a failed request; returns the new count (0 when the contact is not in the table). */
	fail(owner: number, contact: ContactIndex): number {
		const slot = this.find(owner, contact);
		if (slot < 0) return 0;
		const count = Math.min(255, this.failures[slot] + 1);
		this.failures[slot] = count;
		return count;
	}

	failureCount(owner: number, contact: ContactIndex): number {
		const slot = this.find(owner, contact);
		return slot < 0 ? 0 : this.failures[slot];
	}

	remove(owner: number, contact: ContactIndex): boolean {
		const bucket = this.bucketOf(owner, contact);
		if (bucket < 0) return false;
		const block = this.directory[owner * this.depth + bucket] - 1;
		if (block < 0) return false;
		const base = block * this.k;
		const fill = this.fill[block];
		for (let i = 0; i < fill; i++) {
			if (this.pool[base + i] !== contact) continue;
			this.pool.copyWithin(base + i, base + i + 1, base + fill);
			this.failures.copyWithin(base + i, base + i + 1, base + fill);
			this.fill[block] = fill - 1;
			if (fill === 1) {
				this.directory[owner * this.depth + bucket] = 0;
				this.freeBlocks.push(block);
			}

			return true;
		}

		return false;
	}

	/** Swaps a dead oldest contact for a newcomer in the same bucket (after a failed ping). */
	replace(owner: number, old: ContactIndex, newcomer: ContactIndex): boolean {
		if (this.bucketOf(owner, old) !== this.bucketOf(owner, newcomer)) return false;
		if (this.find(owner, newcomer) >= 0) return false;
		if (!this.remove(owner, old)) return false;
		return this.add(owner, newcomer) === 'added';
	}

	/** Least recently seen contact of a bucket, or NONE. */
	oldest(owner: number, bucket: number): ContactIndex {
		const block = this.directory[owner * this.depth + bucket] - 1;
		if (block < 0 || this.fill[block] === 0) return NONE;
		return this.pool[block * this.k];
	}

	bucketSize(owner: number, bucket: number): number {
		const block = this.directory[owner * this.depth + bucket] - 1;
		return block < 0 ? 0 : this.fill[block];
	}

	/** Seconds at which the bucket's oldest contact was last pinged (0: never). */
	lastChecked(owner: number, bucket: number): number {
		const block = this.directory[owner * this.depth + bucket] - 1;
		return block < 0 ? 0 : this.checked[block];
	}

	markChecked(owner: number, bucket: number, seconds: number): void {
		const block = this.directory[owner * this.depth + bucket] - 1;
		if (block >= 0) this.checked[block] = seconds;
	}

	has(owner: number, contact: ContactIndex): boolean {
		return this.find(owner, contact) >= 0;
	}

	size(owner: number): number {
		let total = 0;
		for (let b = 0; b < this.depth; b++) {
			const block = this.directory[owner * this.depth + b] - 1;
			if (block >= 0) total += this.fill[block];
		}

		return total;
	}

	/** Calls `fn` for every contact of `owner`, bucket by bucket, oldest first within a bucket. */
	forEach(owner: number, fn: (contact: ContactIndex, bucket: number) => void): void {
		for (let b = 0; b < this.depth; b++) {
			const block = this.directory[owner * this.depth + b] - 1;
			if (block < 0) continue;
			const base = block * this.k;
			const fill = this.fill[block];
			for (let i = 0; i < fill; i++) fn(this.pool[base + i], b);
		}
	}

	/**
	 * Writes the (at most) `n` contacts closest to `target` (5 words) into `out` and returns how
	 * many. Buckets are visited in distance order: the target's own bucket holds contacts sharing
	 * more bits with the target than any other; then every deeper bucket (they share exactly as
	 * many bits as the owner does); then shallower buckets one by one. Only within a group is a
	 * sort needed, so a lookup touches a few small blocks, never the whole table.
	 */
	closest(owner: number, target: Uint32Array, n: number, out: Uint32Array): number {
		if (n <= 0) return 0;
		const p = this.bucketOfTarget(owner, target);
		let count = this.takeGroup(owner, p, p + 1, target, n, out, 0);
		if (count < n && p + 1 < this.depth) {
			count = this.takeGroup(owner, p + 1, this.depth, target, n, out, count);
		}

		for (let b = p - 1; b >= 0 && count < n; b--) {
			count = this.takeGroup(owner, b, b + 1, target, n, out, count);
		}

		return count;
	}

	/** Bulk load for the converged builder: `count` contacts from `source[start…]` as one bucket. */
	loadBucket(
		owner: number,
		bucket: number,
		source: Uint32Array,
		start: number,
		count: number,
	): void {
		if (count === 0) return;
		if (count > this.k) throw new RangeError('bucket over k');
		let block = this.directory[owner * this.depth + bucket] - 1;
		if (block < 0) {
			block = this.allocBlock();
			this.directory[owner * this.depth + bucket] = block + 1;
		}

		this.pool.set(source.subarray(start, start + count), block * this.k);
		this.failures.fill(0, block * this.k, block * this.k + count);
		this.fill[block] = count;
	}

	/** Blocks in use (for memory reporting). */
	get blockCount(): number {
		return this.blocks - this.freeBlocks.length;
	}

	get bytes(): number {
		return (
			this.pool.byteLength +
			this.failures.byteLength +
			this.fill.byteLength +
			this.checked.byteLength +
			this.directory.byteLength +
			this.self.byteLength
		);
	}

	private takeGroup(
		owner: number,
		from: number,
		to: number,
		target: Uint32Array,
		n: number,
		out: Uint32Array,
		count: number,
	): number {
		let group = 0;
		for (let b = from; b < to; b++) {
			const block = this.directory[owner * this.depth + b] - 1;
			if (block < 0) continue;
			const base = block * this.k;
			const fill = this.fill[block];
			if (this.scratch.length < group + fill) this.growScratch(group + fill);
			for (let i = 0; i < fill; i++) this.scratch[group++] = this.pool[base + i];
		}

		if (group === 0) return count;
		sortByDistance(this.ids.words, this.scratch, group, target);
		const take = Math.min(group, n - count);
		for (let i = 0; i < take; i++) out[count + i] = this.scratch[i];
		return count + take;
	}

	private growScratch(size: number): void {
		let length = this.scratch.length;
		while (length < size) length *= 2;
		this.scratch = new Uint32Array(length);
	}

	private find(owner: number, contact: ContactIndex): number {
		const bucket = this.bucketOf(owner, contact);
		if (bucket < 0) return -1;
		const block = this.directory[owner * this.depth + bucket] - 1;
		if (block < 0) return -1;
		const base = block * this.k;
		const fill = this.fill[block];
		for (let i = 0; i < fill; i++) if (this.pool[base + i] === contact) return base + i;
		return -1;
	}

	private moveToTail(base: number, i: number, fill: number): void {
		if (i === fill - 1) {
			this.failures[base + i] = 0;
			return;
		}

		const contact = this.pool[base + i];
		this.pool.copyWithin(base + i, base + i + 1, base + fill);
		this.failures.copyWithin(base + i, base + i + 1, base + fill);
		this.pool[base + fill - 1] = contact;
		this.failures[base + fill - 1] = 0;
	}

	private allocBlock(): number {
		const reused = this.freeBlocks.pop();
		if (reused !== undefined) {
			this.fill[reused] = 0;
			this.checked[reused] = 0;
			return reused;
		}

		if (this.blocks >= this.fill.length) this.growPool();
		return this.blocks++;
	}

	private growPool(): void {
		// 1.5× rather than 2×: the simulator's pool is gigabytes, and only joins grow it.
		const blocks = Math.ceil(this.fill.length * 1.5) + 4;
		const pool = new Uint32Array(blocks * this.k);
		pool.set(this.pool);
		this.pool = pool;
		const failures = new Uint8Array(blocks * this.k);
		failures.set(this.failures);
		this.failures = failures;
		const fill = new Uint8Array(blocks);
		fill.set(this.fill);
		this.fill = fill;
		const checked = new Uint32Array(blocks);
		checked.set(this.checked);
		this.checked = checked;
	}
}

/** Insertion sort of `count` contact indices by XOR distance to `target` (groups are ≤ a few k). */
export function sortByDistance(
	words: Uint32Array,
	list: Uint32Array,
	count: number,
	target: Uint32Array,
): void {
	for (let i = 1; i < count; i++) {
		const value = list[i];
		let j = i - 1;
		while (j >= 0 && compareToTarget(words, list[j] * ID_WORDS, value * ID_WORDS, target) > 0) {
			list[j + 1] = list[j];
			j--;
		}

		list[j + 1] = value;
	}
}
