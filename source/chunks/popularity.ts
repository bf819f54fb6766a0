export type PopularityOptions = {
	/** Chunks tracked at most; the least popular is forgotten first. */
	capacity?: number;
	/** A query's weight halves after this long (ms). */
	halfLifeMs?: number;
	/** Columns start this small and grow to `capacity` (the simulator holds one table per node). */
	initialCapacity?: number;
};

const HOUR_MS = 3_600_000;
const FIELDS = 5;
const COUNT = 0;
const TIME = 1;
const CONFIRMED = 2;
const POSITION = 3;
const HEAP = 4;

/**
 * Per-chunk popularity as an exponentially decaying query count, in a fixed-size table.
 *
 * A count c updated at time t is worth c·2^-(now-t)/h later, so its order against another entry
 * never changes until one of them gets a query: log2(c) + t/h is a static score. A min-heap on that
 * score gives exact least-popular eviction in O(log n), whatever the decay.
 *
 * Flood resistance (the original's "resetting the query count if chunk is not found"): queries for
 * a chunk we do not hold are recorded as tentative. They may trigger a pull; if the chunk turns out
 * not to exist, forget() drops the entry, and tentative counts are never reported as a rate to
 * other nodes. Only confirmed chunks (found here or by our pull) have a rate.
 */
export class PopularityTable {
	readonly capacity: number;
	readonly halfLifeMs: number;
	private keys: string[] = [];
	/**
	 * One typed array, FIELDS numbers per index (the simulator holds a table per queried node, and
	 * each typed array object costs ~240 bytes): for slot s its decayed count, the time of its last
	 * update, whether it is confirmed, and its heap position; for heap position i the slot there.
	 */
	private cells: Float64Array;
	private readonly slots = new Map<string, number>();

	constructor(options: PopularityOptions = {}) {
		this.capacity = options.capacity ?? 4096;
		this.halfLifeMs = options.halfLifeMs ?? HOUR_MS;
		const initial = Math.min(this.capacity, options.initialCapacity ?? this.capacity);
		this.cells = new Float64Array(initial * FIELDS);
	}

	get size(): number {
		return this.slots.size;
	}

	has(key: string): boolean {
		return this.slots.has(key);
	}

	/**
	 * Counts one query and returns the decayed count including it. `found` marks the query as one
	 * that found the chunk (we hold it), which confirms the entry.
	 */
	record(key: string, now: number, found: boolean): number {
		let slot = this.slots.get(key);
		if (slot === undefined) {
			slot = this.allocate(key);
			this.cells[slot * FIELDS + COUNT] = 1;
			this.cells[slot * FIELDS + TIME] = now;
			this.cells[slot * FIELDS + CONFIRMED] = found ? 1 : 0;
			this.cells[slot * FIELDS + POSITION] = this.slots.size - 1;
			this.cells[(this.slots.size - 1) * FIELDS + HEAP] = slot;
			this.siftUp(this.slots.size - 1);
			return 1;
		}

		const count = this.decayed(slot, now) + 1;
		this.cells[slot * FIELDS + COUNT] = count;
		this.cells[slot * FIELDS + TIME] = Math.max(now, this.cells[slot * FIELDS + TIME]);
		if (found) this.cells[slot * FIELDS + CONFIRMED] = 1;
		this.siftDown(this.cells[slot * FIELDS + POSITION]);
		return count;
	}

	/** The chunk was found (by our pull): its queries now count. */
	confirm(key: string): void {
		const slot = this.slots.get(key);
		if (slot !== undefined) this.cells[slot * FIELDS + CONFIRMED] = 1;
	}

	/** The chunk was not found: forget every query for it. */
	forget(key: string): void {
		const slot = this.slots.get(key);
		if (slot !== undefined) this.remove(slot);
	}

	/** Decayed query count, tentative queries included (what a pull decision looks at). */
	count(key: string, now: number): number {
		const slot = this.slots.get(key);
		return slot === undefined ? 0 : this.decayed(slot, now);
	}

	isConfirmed(key: string): boolean {
		const slot = this.slots.get(key);
		return slot !== undefined && this.cells[slot * FIELDS + CONFIRMED] === 1;
	}

	/** Confirmed query rate per hour (0 for unknown or unconfirmed chunks): what we report. */
	rate(key: string, now: number): number {
		const slot = this.slots.get(key);
		if (slot === undefined || this.cells[slot * FIELDS + CONFIRMED] === 0) return 0;
		return this.toRate(this.decayed(slot, now));
	}

	/** Rate per hour of a decayed count (steady arrivals at r/h converge to count = r·h/ln2). */
	toRate(count: number): number {
		return (count * Math.LN2 * HOUR_MS) / this.halfLifeMs;
	}

	/** Every entry with its current rate (per hour, tentative ones included) and confirmation. */
	entries(now: number): Array<{key: string; rate: number; confirmed: boolean}> {
		const out: Array<{key: string; rate: number; confirmed: boolean}> = [];
		for (const [key, slot] of this.slots) {
			out.push({
				key,
				rate: this.toRate(this.decayed(slot, now)),
				confirmed: this.cells[slot * FIELDS + CONFIRMED] === 1,
			});
		}

		return out;
	}

	/** The key that would be evicted next (least popular), for tests and the console. */
	leastPopular(): string | undefined {
		return this.slots.size === 0 ? undefined : this.keys[this.cells[HEAP]];
	}

	private decayed(slot: number, now: number): number {
		const age = now - this.cells[slot * FIELDS + TIME];
		return age <= 0
			? this.cells[slot * FIELDS + COUNT]
			: this.cells[slot * FIELDS + COUNT] * 2 ** (-age / this.halfLifeMs);
	}

	private score(slot: number): number {
		return (
			Math.log2(this.cells[slot * FIELDS + COUNT]) +
			this.cells[slot * FIELDS + TIME] / this.halfLifeMs
		);
	}

	private allocate(key: string): number {
		let slot: number;
		if (this.slots.size >= this.capacity) {
			slot = this.cells[HEAP];
			this.remove(slot);
		}

		slot = this.slots.size;
		if (slot >= this.cells.length / FIELDS) this.grow();
		// Slots are kept dense: slot i is in use for i < size (remove() moves the last one down).
		this.keys[slot] = key;
		this.slots.set(key, slot);
		return slot;
	}

	private remove(slot: number): void {
		const key = this.keys[slot];
		this.slots.delete(key);
		const last = this.slots.size; // after delete: index of the last used slot
		// Take the slot out of the heap.
		const at = this.cells[slot * FIELDS + POSITION];
		const tail = this.cells[last * FIELDS + HEAP];
		this.cells[at * FIELDS + HEAP] = tail;
		this.cells[tail * FIELDS + POSITION] = at;
		if (at < last) {
			this.siftDown(at);
			this.siftUp(this.cells[tail * FIELDS + POSITION]);
		}

		// Keep slots dense: move the last slot into the freed one.
		if (slot !== last) {
			const movedKey = this.keys[last];
			this.keys[slot] = movedKey;
			this.cells[slot * FIELDS + COUNT] = this.cells[last * FIELDS + COUNT];
			this.cells[slot * FIELDS + TIME] = this.cells[last * FIELDS + TIME];
			this.cells[slot * FIELDS + CONFIRMED] = this.cells[last * FIELDS + CONFIRMED];
			const movedAt = this.cells[last * FIELDS + POSITION];
			this.cells[movedAt * FIELDS + HEAP] = slot;
			this.cells[slot * FIELDS + POSITION] = movedAt;
			this.slots.set(movedKey, slot);
		}

		this.keys.length = last;
	}

	private grow(): void {
		const length = Math.min(this.capacity, (this.cells.length / FIELDS) * 2 || 4);
		const cells = new Float64Array(length * FIELDS);
		cells.set(this.cells);
		this.cells = cells;
	}

	private siftUp(i: number): void {
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (this.score(this.at(parent)) <= this.score(this.at(i))) return;
			this.swap(i, parent);
			i = parent;
		}
	}

	/** The slot at heap position i. */
	private at(i: number): number {
		return this.cells[i * FIELDS + HEAP];
	}

	private swap(i: number, j: number): void {
		const a = this.at(i);
		const b = this.at(j);
		this.cells[i * FIELDS + HEAP] = b;
		this.cells[j * FIELDS + HEAP] = a;
		this.cells[b * FIELDS + POSITION] = i;
		this.cells[a * FIELDS + POSITION] = j;
	}

	private siftDown(i: number): void {
		const size = this.slots.size;
		for (;;) {
			const left = i * 2 + 1;
			if (left >= size) return;
			const right = left + 1;
			let child = left;
			if (right < size && this.score(this.at(right)) < this.score(this.at(left))) child = right;
			if (this.score(this.at(i)) <= this.score(this.at(child))) return;
			this.swap(i, child);
			i = child;
		}
	}
}
