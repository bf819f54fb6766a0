/** Slices [first, first + count) of a chunk. */
export type Range = {first: number; count: number};

/**
 * A range asked of one holder. `until` starts at the range's end and moves down when an idle
 * holder takes over the back of it (endgame): the slices from `until` on are then the other's.
 */
export type Flight = {
	first: number;
	end: number;
	until: number;
	/** The first slice whose bytes are not in hand yet (set by the request once it runs). */
	inHand?: () => number;
};

type SliceState = {hasSlice(index: number): boolean; missing(): number[]};

/** Contiguous runs of `slices` (sorted), each cut to at most `size` slices. */
export function splitRanges(slices: number[], size: number): Range[] {
	const ranges: Range[] = [];
	for (const index of slices) {
		const last = ranges.at(-1);
		if (last && last.first + last.count === index && last.count < size) last.count++;
		else ranges.push({first: index, count: 1});
	}

	return ranges;
}

/**
 * Slices per request: an even share for each holder. Fewer, larger requests cost holders less (each
 * is an index lookup and a file read); holders of different speeds are evened out by the endgame.
 */
export function rangeSize(slices: number, holders: number): number {
	return Math.max(1, Math.ceil(slices / Math.max(1, holders)));
}

/**
 * Which holder fetches which slices of one chunk. Missing slices are queued as ranges (an even
 * share per holder); a holder takes the next one, and when the queue is empty a holder with
 * nothing else in flight takes over the back half of the largest range still in flight, so a
 * slow holder (a low upload cap, a long path) never holds the chunk up while a fast one waits.
 * The slow one stops reading where its range was cut.
 */
export class RangePlan {
	private readonly slices: SliceState;
	private readonly queue: Range[];
	private readonly flights = new Set<Flight>();

	constructor(slices: SliceState, holders: number) {
		this.slices = slices;
		const missing = slices.missing();
		this.queue = splitRanges(missing, rangeSize(missing.length, holders));
	}

	get inFlight(): number {
		return this.flights.size;
	}

	/**
	 * The next range for a holder, or undefined when there is nothing to take. Only a holder with
	 * nothing else in flight (`idle`) takes over part of another's range: a busy one would only
	 * move the wait from one request to another and waste the bytes already on their way.
	 */
	take(idle: boolean): Flight | undefined {
		const next = this.queue.shift();
		const flight = next
			? {first: next.first, end: next.first + next.count, until: next.first + next.count}
			: idle
				? this.steal()
				: undefined;
		if (flight) this.flights.add(flight);
		return flight;
	}

	/** Whether the holder of `flight` should still read slice `index` (else it stops there). */
	wants(flight: Flight, index: number): boolean {
		for (let at = index; at < flight.until; at++) if (!this.slices.hasSlice(at)) return true;
		return false;
	}

	/** The holder is done with `flight`; when it failed, its missing slices are queued again. */
	finish(flight: Flight, failed: boolean, holders: number): void {
		this.flights.delete(flight);
		if (!failed) return;
		const left: number[] = [];
		for (let index = flight.first; index < flight.until; index++)
			if (!this.slices.hasSlice(index)) left.push(index);
		this.queue.push(...splitRanges(left, rangeSize(left.length, holders)));
	}

	/** After every holder stopped: what is still missing, queued again (a last safety net). */
	replan(holders: number): boolean {
		const missing = this.slices.missing();
		this.queue.splice(
			0,
			this.queue.length,
			...splitRanges(missing, rangeSize(missing.length, holders)),
		);
		return missing.length > 0;
	}

	private steal(): Flight | undefined {
		let best: {flight: Flight; missing: number[]} | undefined;
		for (const flight of this.flights) {
			const missing: number[] = [];
			// Slices already arrived (waiting in the stream) are not worth asking anyone else for.
			const from = Math.max(flight.first, flight.inHand?.() ?? flight.first);
			for (let index = from; index < flight.until; index++)
				if (!this.slices.hasSlice(index)) missing.push(index);
			if (missing.length >= 2 && missing.length > (best?.missing.length ?? 0))
				best = {flight, missing};
		}

		if (!best) return undefined;
		const from = best.missing[Math.floor(best.missing.length / 2)];
		const taken = {first: from, end: best.flight.until, until: best.flight.until};
		best.flight.until = from;
		return taken;
	}
}
