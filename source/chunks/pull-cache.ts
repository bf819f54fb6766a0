import type {Clock} from '../dht/clock.js';
import type {ContactIndex} from '../dht/id-table.js';
import type {ChunkResponder} from '../dht/network.js';
import {distanceBits} from '../identity/id.js';
import {PopularityTable, type PopularityOptions} from './popularity.js';
import {
	type ChunkStat,
	planServing,
	type ServingBudget,
	type ServingPlan,
	shouldPull,
	shouldServe,
} from './serving-policy.js';

/** What the cache needs from the chunk store (a real store or the simulator's sets). */
export type ChunkHoldings = {
	has(key: string): boolean;
	bytes(key: string): number;
	/** Stored at its normal place (published here): served always, never dropped for popularity. */
	pinned(key: string): boolean;
	keys(): Iterable<string>;
	drop(key: string): void;
};

export type PullCacheSettings = {
	clock: Clock;
	/**
	 * Finds the chunk, fetches it and stores it in `holdings`: resolves with its size, or undefined
	 * when no holder was found (then every query counted for it is forgotten).
	 */
	pull: (chunkId: Buffer, holdings: ChunkHoldings) => Promise<number | undefined>;
	budget: ServingBudget;
	popularity?: PopularityOptions;
	/** Decayed queries seen (tentative included) before a pull is considered. */
	pullAfter?: number;
	/** Size assumed for a chunk not yet held, for the disk check: chunks are ≤ 1 MiB. */
	chunkBytes?: number;
	/** The serving plan is recomputed at most this often (and after every pull). */
	replanMs?: number;
};

const DEFAULTS = {pullAfter: 3, chunkBytes: 1 << 20, replanMs: 10_000};

/**
 * The chunk layer's side of FIND_CHUNK: count the query, say whether we serve the chunk, and pull
 * (fetch and cache) chunks in our range that are asked for often enough. Chunks are pulled, never
 * pushed. Queries for a chunk we do not hold stay tentative until a pull finds it; a pull that
 * finds nothing forgets them, so a flood of queries for missing chunks caches nothing and leaves
 * nothing behind but a bounded, evictable table.
 *
 * Settings are shared (the simulator runs one cache per node with one settings object); the
 * popularity table is created on the first query.
 */
export class PullCache implements ChunkResponder {
	readonly id: Uint8Array;
	readonly holdings: ChunkHoldings;
	private readonly settings: PullCacheSettings & typeof DEFAULTS;
	private table: PopularityTable | undefined;
	private pulling: Set<string> | undefined;
	/** The last plan's thresholds (the full plan's sets are rebuilt only when needed). */
	private limits: Limits | undefined;
	private planAt = Number.NEGATIVE_INFINITY;
	pulls = 0;
	failedPulls = 0;

	constructor(settings: PullCacheSettings, id: Uint8Array, holdings: ChunkHoldings) {
		// Complete settings are shared as they are; the simulator passes one object to every node.
		const complete =
			settings.pullAfter !== undefined &&
			settings.chunkBytes !== undefined &&
			settings.replanMs !== undefined;
		this.settings = complete
			? (settings as PullCacheSettings & typeof DEFAULTS)
			: {...DEFAULTS, ...settings};

		this.id = id;
		this.holdings = holdings;
	}

	get popularity(): PopularityTable {
		this.table ??= new PopularityTable(this.settings.popularity);
		return this.table;
	}

	query(chunkId: Uint8Array, _from: ContactIndex): {held: boolean; rate: number} {
		const {clock, budget, pullAfter, chunkBytes} = this.settings;
		const {holdings, popularity} = this;
		const key = keyOf(chunkId);
		const now = clock.now();
		if (holdings.has(key)) {
			popularity.record(key, now, true);
			const rate = popularity.rate(key, now);
			const pinned = holdings.pinned(key);
			const held =
				pinned || shouldServe(this.currentLimits(now), distanceBits(this.id, chunkId), rate);
			return {held, rate};
		}

		const count = popularity.record(key, now, false);
		if (count >= pullAfter && !this.pulling?.has(key)) {
			const rate = popularity.toRate(count);
			const distance = distanceBits(this.id, chunkId);
			if (shouldPull(this.currentLimits(now), budget, distance, rate, chunkBytes))
				this.startPull(key, chunkId);
		}

		return {held: false, rate: popularity.rate(key, now)};
	}

	/** The full current plan (range, min popularity, served and kept sets), for the console. */
	plan(now: number): ServingPlan {
		const plan = planServing(this.stats(now), this.settings.budget);
		this.limits = limitsOf(plan);
		this.planAt = now;
		return plan;
	}

	/** Drops what the plan says to drop (least popular first) once the disk is over budget. */
	enforceDisk(now: number): string[] {
		const plan = this.plan(now);
		for (const key of plan.drop) this.holdings.drop(key);
		if (plan.drop.length > 0) this.plan(now);
		return plan.drop;
	}

	private currentLimits(now: number): Limits {
		if (this.limits === undefined || now - this.planAt >= this.settings.replanMs) this.plan(now);
		return this.limits!;
	}

	private startPull(key: string, chunkId: Uint8Array): void {
		this.pulling ??= new Set();
		this.pulling.add(key);
		this.pulls++;
		const done = (bytes: number | undefined) => {
			this.pulling?.delete(key);
			if (bytes === undefined) {
				this.failedPulls++;
				this.popularity.forget(key);
				return;
			}

			this.popularity.confirm(key);
			this.enforceDisk(this.settings.clock.now());
		};

		this.settings.pull(Buffer.from(chunkId), this.holdings).then(done, () => {
			done(undefined);
		});
	}

	private stats(now: number): ChunkStat[] {
		const {holdings, id} = this;
		const stats: ChunkStat[] = [];
		const seen = new Set<string>();
		for (const key of holdings.keys()) {
			seen.add(key);
			stats.push({
				key,
				distance: distanceBits(id, Buffer.from(key, 'latin1')),
				rate: this.popularity.rate(key, now),
				bytes: holdings.bytes(key),
				held: true,
				pinned: holdings.pinned(key),
			});
		}

		// Confirmed chunks we do not hold count as demand we could serve (they widen or narrow the
		// range); tentative ones do not, or a flood of missing ids could steer our range.
		for (const entry of this.popularity.entries(now)) {
			if (!entry.confirmed || seen.has(entry.key)) continue;
			stats.push({
				key: entry.key,
				distance: distanceBits(id, Buffer.from(entry.key, 'latin1')),
				rate: entry.rate,
				bytes: this.settings.chunkBytes,
				held: false,
			});
		}

		return stats;
	}
}

type Limits = Pick<ServingPlan, 'range' | 'minPopularity' | 'keptBytes' | 'weakestKept'>;

function limitsOf(plan: ServingPlan): Limits {
	const {range, minPopularity, keptBytes, weakestKept} = plan;
	return {range, minPopularity, keptBytes, weakestKept};
}

export function keyOf(chunkId: Uint8Array): string {
	return Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('latin1');
}
