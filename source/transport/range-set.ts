/**
 * A sorted set of disjoint, non-adjacent half-open integer ranges [start, end), kept in two plain
 * number arrays (no object per range). Used for received packet numbers, acknowledged and lost
 * stream bytes. Bounded: past `maxRanges` the lowest ranges are dropped and `floor` rises, which
 * suits every user here (old packet numbers and old byte ranges matter least).
 */
export class RangeSet {
	readonly starts: number[] = [];
	readonly ends: number[] = [];
	readonly maxRanges: number;
	/** Everything below `floor` was forgotten when the set overflowed (0 until then). */
	floor = 0;

	constructor(maxRanges = Number.POSITIVE_INFINITY) {
		this.maxRanges = maxRanges;
	}

	get count(): number {
		return this.starts.length;
	}

	get isEmpty(): boolean {
		return this.starts.length === 0;
	}

	/** Smallest member; NaN when empty. */
	get min(): number {
		return this.starts.length === 0 ? Number.NaN : this.starts[0];
	}

	/** One past the largest member; NaN when empty. */
	get max(): number {
		return this.starts.length === 0 ? Number.NaN : this.ends[this.ends.length - 1];
	}

	/** Total number of members. */
	get size(): number {
		let total = 0;
		for (let i = 0; i < this.starts.length; i++) total += this.ends[i] - this.starts[i];
		return total;
	}

	clear(): void {
		this.starts.length = 0;
		this.ends.length = 0;
	}

	has(value: number): boolean {
		const i = this.indexEndingAfter(value);
		return i < this.starts.length && this.starts[i] <= value;
	}

	/** True when every value in [start, end) is a member. */
	covers(start: number, end: number): boolean {
		if (start >= end) return true;
		const i = this.indexEndingAfter(start);
		return i < this.starts.length && this.starts[i] <= start && this.ends[i] >= end;
	}

	/** End of the run of members that starts at `value` (`value` itself when it is not a member). */
	runEnd(value: number): number {
		const i = this.indexEndingAfter(value);
		return i < this.starts.length && this.starts[i] <= value ? this.ends[i] : value;
	}

	add(start: number, end: number): void {
		if (start >= end) return;
		const starts = this.starts;
		const ends = this.ends;
		const n = starts.length;
		// Fast paths: ranges mostly arrive in increasing order (packet numbers, stream offsets).
		if (n === 0 || start > ends[n - 1]) {
			starts.push(start);
			ends.push(end);
			if (n + 1 > this.maxRanges) this.dropLowest();
			return;
		}

		if (start >= starts[n - 1]) {
			if (end > ends[n - 1]) ends[n - 1] = end;
			return;
		}

		// Ranges i..j-1 touch or overlap [start, end) (adjacent ranges merge).
		const i = this.indexEndingAtOrAfter(start);
		let j = i;
		while (j < n && starts[j] <= end) j++;
		if (i === j) {
			starts.splice(i, 0, start);
			ends.splice(i, 0, end);
			if (n + 1 > this.maxRanges) this.dropLowest();
			return;
		}

		starts[i] = Math.min(start, starts[i]);
		ends[i] = Math.max(end, ends[j - 1]);
		if (j - i > 1) {
			starts.splice(i + 1, j - i - 1);
			ends.splice(i + 1, j - i - 1);
		}
	}

	remove(start: number, end: number): void {
		if (start >= end) return;
		const starts = this.starts;
		const ends = this.ends;
		const i = this.indexEndingAfter(start);
		let j = i;
		while (j < starts.length && starts[j] < end) j++;
		if (i === j) return;
		const leftStart = starts[i];
		const rightEnd = ends[j - 1];
		const keepLeft = leftStart < start;
		const keepRight = rightEnd > end;
		if (keepLeft && keepRight && j - i === 1) {
			// Splitting one range in two.
			ends[i] = start;
			starts.splice(i + 1, 0, end);
			ends.splice(i + 1, 0, rightEnd);
			if (starts.length > this.maxRanges) this.dropLowest();
			return;
		}

		let at = i;
		if (keepLeft) {
			ends[at] = start;
			at++;
		}

		if (keepRight) {
			starts[at] = end;
			ends[at] = rightEnd;
			at++;
		}

		if (j - at > 0) {
			starts.splice(at, j - at);
			ends.splice(at, j - at);
		}
	}

	/** Forgets every member below `value`. */
	removeBelow(value: number): void {
		if (this.starts.length === 0 || this.starts[0] >= value) return;
		this.remove(this.starts[0], value);
	}

	/**
	 * Index of the first range whose end is > value (the range containing `value`, or the first one
	 * above it); `count` when none.
	 */
	indexEndingAfter(value: number): number {
		let low = 0;
		let high = this.ends.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (this.ends[mid] > value) high = mid;
			else low = mid + 1;
		}

		return low;
	}

	/** Like indexEndingAfter but also matching a range that ends exactly at `value` (adjacent). */
	private indexEndingAtOrAfter(value: number): number {
		let low = 0;
		let high = this.ends.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (this.ends[mid] >= value) high = mid;
			else low = mid + 1;
		}

		return low;
	}

	private dropLowest(): void {
		while (this.starts.length > this.maxRanges) {
			this.starts.shift();
			this.floor = this.ends.shift()!;
		}
	}
}
