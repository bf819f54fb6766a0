import {compareToTarget, type ContactIndex, ID_WORDS} from './id-table.js';

export const FRESH = 0;
export const IN_FLIGHT = 1;
/** Asked, no answer within the slow threshold: its parallelism slot went to another peer. */
export const SLOW = 2;
export const ANSWERED = 3;

/**
 * One lookup path's candidates in XOR order to the target, in small typed arrays. Failed contacts
 * are removed (the lookup's asked-set keeps them from coming back). When full, a slow entry makes
 * room first (a hostile node's fake contacts near the target end up slow), then the farthest
 * unasked one; priority entries (holder references) are kept whatever their distance, since they
 * may hold the chunk far from its id.
 */
export class Shortlist {
	readonly capacity: number;
	readonly contacts: Uint32Array;
	readonly state: Uint8Array;
	readonly depth: Uint8Array;
	readonly priority: Uint8Array;
	count = 0;

	constructor(capacity: number) {
		this.capacity = capacity;
		this.contacts = new Uint32Array(capacity);
		this.state = new Uint8Array(capacity);
		this.depth = new Uint8Array(capacity);
		this.priority = new Uint8Array(capacity);
	}

	/** Inserts in distance order; false when it is farther than everything in a full list. */
	insert(
		words: Uint32Array,
		target: Uint32Array,
		contact: ContactIndex,
		depth: number,
		priority = false,
	): boolean {
		let lo = 0;
		let hi = this.count;
		const offset = contact * ID_WORDS;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (compareToTarget(words, this.contacts[mid] * ID_WORDS, offset, target) <= 0) lo = mid + 1;
			else hi = mid;
		}

		if (this.count === this.capacity) {
			const victim = this.farthestEvictable();
			if (victim < 0 || (!priority && victim < lo && this.state[victim] !== SLOW)) return false;
			this.removeAt(victim);
			if (victim < lo) lo--;
		}

		this.contacts.copyWithin(lo + 1, lo, this.count);
		this.state.copyWithin(lo + 1, lo, this.count);
		this.depth.copyWithin(lo + 1, lo, this.count);
		this.priority.copyWithin(lo + 1, lo, this.count);
		this.contacts[lo] = contact;
		this.state[lo] = FRESH;
		this.depth[lo] = Math.min(255, depth);
		this.priority[lo] = priority ? 1 : 0;
		this.count++;
		return true;
	}

	indexOf(contact: ContactIndex): number {
		for (let i = 0; i < this.count; i++) if (this.contacts[i] === contact) return i;
		return -1;
	}

	removeAt(i: number): void {
		this.contacts.copyWithin(i, i + 1, this.count);
		this.state.copyWithin(i, i + 1, this.count);
		this.depth.copyWithin(i, i + 1, this.count);
		this.priority.copyWithin(i, i + 1, this.count);
		this.count--;
	}

	/**
	 * Next entry to ask: a fresh priority entry anywhere, else the first fresh entry among the `k`
	 * closest that are not slow. -1 when there is none.
	 */
	next(k: number): number {
		for (let i = 0; i < this.count; i++)
			if (this.priority[i] === 1 && this.state[i] === FRESH) return i;
		let seen = 0;
		for (let i = 0; i < this.count && seen < k; i++) {
			const state = this.state[i];
			if (state === SLOW) continue;
			if (state === FRESH) return i;
			seen++;
		}

		return -1;
	}

	private farthestEvictable(): number {
		for (let i = this.count - 1; i >= 0; i--) {
			if (this.priority[i] === 0 && this.state[i] === SLOW) return i;
		}

		for (let i = this.count - 1; i >= 0; i--) {
			if (this.priority[i] === 0 && this.state[i] !== IN_FLIGHT) return i;
		}

		return -1;
	}
}
