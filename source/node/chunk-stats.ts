import type {PullCache} from '../chunks/pull-cache.js';
import {distanceBits} from '../identity/id.js';
import type {ChunkStats} from './snapshot.js';
import type {StoreHoldings} from './store-holdings.js';

/** Chunks a snapshot lists at most: the console shows a screenful, `status --json` a page. */
const MAX_LISTED = 200;

/**
 * The most popular chunks this node knows of, for the console's Chunks pane: what the pull cache's
 * popularity table has seen (queries per minute), whether the current serving plan covers each,
 * and whether we hold it (a cached copy, or published here).
 */
export function chunkStats(
	cache: PullCache,
	holdings: StoreHoldings,
	ourId: Uint8Array,
	now: number,
): ChunkStats[] {
	const plan = cache.plan(now);
	const rows: ChunkStats[] = [];
	const listed = new Set<string>();
	const add = (key: string, perHour: number) => {
		const id = Buffer.from(key, 'latin1');
		const distance = distanceBits(ourId, id);
		const pinned = holdings.pinned(key);
		listed.add(key);
		rows.push({
			idHex: id.toString('hex'),
			queryRate: perHour / 60,
			distanceBits: distance,
			inRange: pinned || (distance <= plan.range && perHour >= plan.minPopularity),
			cached: holdings.has(key) && !pinned,
			bytes: holdings.bytes(key),
		});
	};

	const entries = cache.popularity
		.entries(now)
		.filter((entry) => entry.confirmed)
		.sort((a, b) => b.rate - a.rate)
		.slice(0, MAX_LISTED);
	for (const entry of entries) add(entry.key, entry.rate);
	// Chunks we hold that nobody asked for yet still belong in the list (published ones, mostly).
	for (const key of holdings.keys()) {
		if (rows.length >= MAX_LISTED) break;
		if (!listed.has(key)) add(key, 0);
	}

	return rows;
}
