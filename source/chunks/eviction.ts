import type {ChunkStore} from './chunk-store.js';
import {diskCost} from './store-layout.js';

/** What the store tells an eviction policy (and the serving policy) about each chunk it holds. */
export type ChunkInfo = {
	id: Buffer;
	size: number;
	pinned: boolean;
	/** Last read or write, in ms since the epoch (kept to the minute: see chunk-store.ts). */
	lastAccess: number;
};

/**
 * Chooses chunks to drop when a write does not fit the disk budget: ids in the order to drop them,
 * covering at least `bytesNeeded` of disk cost. The store skips pinned chunks and chunks in use,
 * whatever the policy says, and stops as soon as the write fits. The serving policy plugs in here
 * with least-frequently-requested first; the default is least recently used.
 */
export type EvictionPolicy = (
	bytesNeeded: number,
	chunks: () => AsyncIterable<ChunkInfo>,
) => Promise<Iterable<Buffer>>;

/**
 * The default: the least recently used unpinned chunks that together free `bytesNeeded`. One pass
 * over the index, keeping only the current best set (sorted, oldest first), so memory stays
 * bounded by the number of chunks needed, not the size of the store.
 */
export const leastRecentlyUsed: EvictionPolicy = async (bytesNeeded, chunks) => {
	const chosen: ChunkInfo[] = [];
	let freed = 0;
	for await (const chunk of chunks()) {
		if (chunk.pinned) continue;
		const newest = chosen.at(-1);
		if (freed >= bytesNeeded && newest && chunk.lastAccess >= newest.lastAccess) continue;
		let at = chosen.length;
		while (at > 0 && chosen[at - 1].lastAccess > chunk.lastAccess) at--;
		chosen.splice(at, 0, chunk);
		freed += diskCost(chunk.size);
		// Drop the newest while the rest still free enough.
		while (chosen.length > 1 && freed - diskCost(chosen.at(-1)!.size) >= bytesNeeded)
			freed -= diskCost(chosen.pop()!.size);
	}

	return chosen.map((chunk) => chunk.id);
};

/**
 * A policy may scan the whole index to choose (the default does), so each eviction frees a little
 * more than the write needs: 1/256 of the budget, at most 64 MiB, and the next writes fit without
 * another scan.
 */
const EVICTION_SHARE = 256;
const EVICTION_MAX_BYTES = 64 << 20;

/** Asks `policy` for victims and drops them until enough is free (or the list ends). */
export async function makeRoom(store: ChunkStore, policy: EvictionPolicy, needed: number) {
	needed = Math.max(needed, Math.min(store.diskBytes / EVICTION_SHARE, EVICTION_MAX_BYTES));
	const victims = await policy(needed, () => store.list());
	let freed = 0;
	for (const id of victims) {
		if (freed >= needed) break;
		freed += await store.dropCached(id);
	}
}
