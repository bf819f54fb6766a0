/**
 * The server rules of the original notes, as pure functions over what a node knows:
 *
 * - serve chunks within the *range* (bits of XOR distance from our id) whose popularity is at
 *   least the *min popularity*;
 * - widen the range until the upload bandwidth we sell would be used (the demand of the most
 *   popular in-range chunks that fit the disk reaches it);
 * - when the disk is full, drop the least frequently requested chunks;
 * - keep more than we serve (disk beyond the served set holds the next most popular chunks), so a
 *   shift in demand is answered from disk rather than by fetching again.
 */

export type ServingBudget = {
	/** Upload bandwidth sold to the network. */
	uploadBytesPerSecond: number;
	/** Disk sold to the network. */
	diskBytes: number;
	/** Served bytes are at most diskBytes / keepFactor; the rest keeps extra chunks. */
	keepFactor: number;
	/** Below this rate (queries per hour) nothing is served from cache or pulled, however idle. */
	floorRate: number;
	/** The operator's range setting: cached chunks farther than this are never served or pulled. */
	maxRange?: number;
	/** The operator's min popularity (queries per hour): a floor above floorRate. */
	minRate?: number;
};

export type ChunkStat = {
	key: string;
	/** bitLength(our id ⊕ chunk id): 0…160. */
	distance: number;
	/** Queries per hour. */
	rate: number;
	bytes: number;
	held: boolean;
	/** Stored at its normal place (published here): always served, never dropped for popularity. */
	pinned?: boolean;
};

export type ServingPlan = {
	range: number;
	minPopularity: number;
	/** Expected upload of the served set, bytes per second. */
	demand: number;
	serve: Set<string>;
	keep: Set<string>;
	/** Held chunks to drop, least popular first. */
	drop: string[];
	/** Bytes the kept set occupies. */
	keptBytes: number;
	/** Rate of the least popular kept (unpinned) chunk: a pull must beat it when the disk is full. */
	weakestKept: number;
};

export const MAX_RANGE = 160;

export function planServing(stats: readonly ChunkStat[], budget: ServingBudget): ServingPlan {
	const pinned = stats.filter((stat) => stat.pinned && stat.held);
	const floor = Math.max(budget.floorRate, budget.minRate ?? 0);
	const maxRange = Math.min(MAX_RANGE, budget.maxRange ?? MAX_RANGE);
	const candidates = stats
		.filter((stat) => !stat.pinned && stat.rate >= floor && stat.distance <= maxRange)
		.sort((a, b) => a.distance - b.distance || b.rate - a.rate);
	// Normal-place chunks take their disk first; popularity decides over the rest.
	let pinnedBytes = 0;
	for (const stat of pinned) pinnedBytes += stat.bytes;
	const serveBytes = Math.max(0, budget.diskBytes / Math.max(1, budget.keepFactor) - pinnedBytes);
	let range = maxRange;
	let selection: ChunkStat[] = [];
	let demand = 0;
	let i = 0;
	const inRange: ChunkStat[] = [];
	while (i < candidates.length) {
		const distance = candidates[i].distance;
		while (i < candidates.length && candidates[i].distance === distance)
			inRange.push(candidates[i++]);
		({selection, demand} = select(inRange, serveBytes));
		if (demand >= budget.uploadBytesPerSecond) {
			range = distance;
			break;
		}
	}

	// Trim the least popular until the sold bandwidth is not exceeded (keep at least one chunk).
	while (selection.length > 1 && demand > budget.uploadBytesPerSecond) {
		const last = selection.pop()!;
		demand -= perSecond(last);
	}

	const truncated = selection.length < inRange.length;
	const minPopularity =
		truncated && selection.length > 0 ? Math.max(floor, selection.at(-1)!.rate) : floor;
	const serve = new Set<string>();
	for (const stat of pinned) serve.add(stat.key);
	for (const stat of selection) if (stat.held) serve.add(stat.key);

	// Keep: served chunks first, then the most popular other held chunks while the disk allows.
	const keep = new Set<string>(serve);
	let keptBytes = 0;
	for (const stat of stats) if (stat.held && serve.has(stat.key)) keptBytes += stat.bytes;
	// Pinned chunks may exceed the disk on their own; that never drops them.
	const others = stats
		.filter((stat) => stat.held && !serve.has(stat.key))
		.sort((a, b) => b.rate - a.rate);
	const drop: string[] = [];
	for (const stat of others) {
		if (keptBytes + stat.bytes <= budget.diskBytes) {
			keep.add(stat.key);
			keptBytes += stat.bytes;
		} else {
			drop.push(stat.key);
		}
	}

	drop.reverse();
	let weakestKept = Number.POSITIVE_INFINITY;
	for (const stat of stats) {
		if (stat.held && !stat.pinned && keep.has(stat.key))
			weakestKept = Math.min(weakestKept, stat.rate);
	}

	return {range, minPopularity, demand, serve, keep, drop, keptBytes, weakestKept};
}

/** Whether a held chunk is served under a plan. */
export function shouldServe(
	plan: Pick<ServingPlan, 'range' | 'minPopularity'>,
	distance: number,
	rate: number,
	pinned = false,
): boolean {
	return pinned || (distance <= plan.range && rate >= plan.minPopularity);
}

/**
 * Whether to pull (fetch and cache) a chunk we do not hold: it must be in range, popular enough to
 * be served, and fit the disk, either in free space or by displacing a less popular kept chunk.
 */
export function shouldPull(
	plan: Pick<ServingPlan, 'range' | 'minPopularity' | 'keptBytes' | 'weakestKept'>,
	budget: ServingBudget,
	distance: number,
	rate: number,
	bytes: number,
): boolean {
	if (distance > plan.range || rate < plan.minPopularity || bytes > budget.diskBytes) return false;
	if (plan.keptBytes + bytes <= budget.diskBytes) return true;
	return rate > plan.weakestKept;
}

function select(
	inRange: readonly ChunkStat[],
	serveBytes: number,
): {selection: ChunkStat[]; demand: number} {
	const byRate = [...inRange].sort((a, b) => b.rate - a.rate);
	const selection: ChunkStat[] = [];
	let bytes = 0;
	let demand = 0;
	for (const stat of byRate) {
		if (bytes + stat.bytes > serveBytes) break;
		selection.push(stat);
		bytes += stat.bytes;
		demand += perSecond(stat);
	}

	return {selection, demand};
}

function perSecond(stat: ChunkStat): number {
	return (stat.rate / 3600) * stat.bytes;
}
