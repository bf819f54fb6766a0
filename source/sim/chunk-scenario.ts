import {PullCache, type PullCacheSettings} from '../chunks/pull-cache.js';
import {newMeter, type TrafficMeter} from '../dht/network.js';
import type {DhtNode} from '../dht/node.js';
import type {VirtualClock} from './clock.js';
import {ChunkCatalog, SimHoldings} from './holdings.js';
import {Zipf} from './random.js';
import {type GroupStats, LookupRecords, round} from './stats.js';
import {SimWorld} from './world.js';

export type ChunkScenarioOptions = {
	nodes: number;
	chunks: number;
	/** Measured lookups. */
	lookups: number;
	/**
	 * Lookups run first to warm the caches (not measured). Default: one popularity half-life of
	 * searches at `rate` (360,000 at 100/s and 1 h), so the measured searches meet caches in their
	 * steady state: a node's popularity table is a count decaying over a half-life, and until that
	 * much demand has passed, caches are still forming.
	 */
	warmup: number;
	/** Zipf exponent of chunk popularity (rank 0 most popular). */
	zipf: number;
	/** Fraction of nodes that leave without notice after the tables converged. */
	churn: number;
	seed: number;
	latencyMs: number;
	k: number;
	alpha: number;
	/** Disjoint paths per search. */
	paths: number;
	/** Contacts asked for per FIND_CHUNK. */
	chunkWant: number;
	/** Nodes storing each chunk at its normal place (the closest to its id). */
	replicas: number;
	/** Searches started per second of virtual time, network-wide (Poisson). */
	rate: number;
	chunkBytes: number;
	/** Pull caching on (the point of the design) or off (the baseline). */
	caching: boolean;
	/** Queries a node must see for a chunk before it pulls it. */
	pullAfter: number;
	/** Disk each node sells, in chunks. */
	cacheChunks: number;
	/** Upload each node sells, bytes per second. */
	uploadBytesPerSecond: number;
	halfLifeMs: number;
	/** Transfer speed of a cache pull. */
	fetchBytesPerSecond: number;
	/** A holder that cached a chunk pushes a reference to the nodes nearest its id. */
	pushReferences: boolean;
	slowMs: number;
	requestTimeoutMs: number;
};

export const DEFAULT_SCENARIO: ChunkScenarioOptions = {
	nodes: 10_000,
	chunks: 10_000,
	lookups: 10_000,
	warmup: 360_000,
	zipf: 1,
	churn: 0.1,
	seed: 1,
	latencyMs: 50,
	k: 20,
	alpha: 3,
	paths: 1,
	chunkWant: 10,
	replicas: 20,
	rate: 100,
	chunkBytes: 1 << 20,
	caching: true,
	pullAfter: 3,
	cacheChunks: 64,
	uploadBytesPerSecond: 1 << 20,
	halfLifeMs: 3_600_000,
	fetchBytesPerSecond: 10 << 20,
	pushReferences: false,
	slowMs: 300,
	requestTimeoutMs: 2000,
};

export type ChunkScenarioReport = {
	nodes: number;
	chunks: number;
	lookups: number;
	warmup: number;
	zipf: number;
	churn: number;
	alpha: number;
	k: number;
	replicas: number;
	chunkWant: number;
	caching: boolean;
	seed: number;
	latencyMs: number;
	rare: GroupStats;
	top1pct: GroupStats;
	all: GroupStats;
	deciles: Array<GroupStats & {decile: number}>;
	/** Search bytes of the measured lookups / bytes of the chunks they found. */
	overheadRatio: number;
	successRate: number;
	requestsPerLookup: number;
	timeoutsPerLookup: number;
	cache: {
		pulls: number;
		failedPulls: number;
		copies: number;
		searchMB: number;
		fetchedMB: number;
		/** All search traffic (user searches and cache pulls) / all chunk bytes moved. */
		overheadRatioWithPulls: number;
	};
	contactsPerNode: number;
	nodesTouched: number;
	tableMB: number;
	buildMs: number;
	runMs: number;
	/** Wall time of the warm-up searches, then of the measured ones (runMs = the two). */
	warmupMs: number;
	measureMs: number;
	virtualSeconds: number;
	peakRssMB: number;
};

/**
 * The chunk-search experiment behind `npm run sim`: a converged network, chunks stored at their
 * normal place, churn, then Zipf-distributed searches from random live nodes, with every node
 * running the real DHT and pull-cache code over the simulated network.
 */
export async function runChunkScenario(
	overrides: Partial<ChunkScenarioOptions> = {},
	progress?: (message: string) => void,
): Promise<ChunkScenarioReport> {
	const o = {...DEFAULT_SCENARIO, ...overrides};
	if (overrides.warmup === undefined) o.warmup = steadyWarmup(o.rate, o.halfLifeMs);
	const holdings: Array<SimHoldings | undefined> = [];
	const caches: PullCache[] = [];
	const cacheMeter = newMeter();
	let cacheFetched = 0;
	let catalog!: ChunkCatalog;
	// One settings object for every node's cache (per-node closures would cost ~1 KB a node).
	const settings: PullCacheSettings = {
		clock: undefined as unknown as VirtualClock,
		budget: {
			uploadBytesPerSecond: o.uploadBytesPerSecond,
			diskBytes: o.cacheChunks * o.chunkBytes,
			keepFactor: 1.5,
			floorRate: rateOf(o.pullAfter, o.halfLifeMs) / 2,
		},
		popularity: {capacity: 1024, halfLifeMs: o.halfLifeMs, initialCapacity: 4},
		pullAfter: o.caching ? o.pullAfter : Number.POSITIVE_INFINITY,
		chunkBytes: o.chunkBytes,
		replanMs: 10_000,
		async pull(chunkId, into) {
			const held = into as SimHoldings;
			const node = world.node(held.node);
			const result = await node.findChunk(chunkId, cacheMeter);
			if (!result.found) return undefined;
			const transfer = 2 * o.latencyMs + (o.chunkBytes / o.fetchBytesPerSecond) * 1000;
			await sleep(world.clock, transfer);
			cacheFetched += o.chunkBytes;
			held.add(chunkId.toString('latin1'));
			if (o.pushReferences) void node.pushReference(chunkId, cacheMeter);
			return o.chunkBytes;
		},
	};
	const world: SimWorld = new SimWorld({
		nodes: o.nodes,
		seed: o.seed,
		k: o.k,
		dht: {alpha: o.alpha, paths: o.paths, chunkWant: o.chunkWant, slowMs: o.slowMs},
		network: {latencyMs: o.latencyMs, requestTimeoutMs: o.requestTimeoutMs},
		responder(_node, index) {
			const held = new SimHoldings(catalog, index);
			holdings[index] = held;
			const cache = new PullCache(settings, world.ids.bytes(index), held);
			caches.push(cache);
			return cache;
		},
	});
	settings.clock = world.clock;
	progress?.(
		`built ${o.nodes} converged tables in ${Math.round(world.buildMs)} ms (${round(world.contacts / o.nodes, 1)} contacts per node)`,
	);
	catalog = new ChunkCatalog(world.random, o.chunks, o.chunkBytes);
	catalog.place(world.sorted, o.replicas);
	world.churn(o.churn);

	const zipf = new Zipf(o.chunks, o.zipf);
	const total = o.warmup + o.lookups;
	const records = new LookupRecords(o.lookups);
	const meters: TrafficMeter[] = [];
	let done = 0;
	const started = performance.now();
	let measureStarted = Number.NaN;
	let at = 0;
	for (let i = 0; i < total; i++) {
		at += world.random.exponential(1000 / o.rate);
		const measured = i >= o.warmup;
		world.clock.setTimer(at, () => {
			const origin = world.randomAliveNode();
			const rank = zipf.sample(world.random);
			const node: DhtNode = world.node(origin);
			const meter = newMeter();
			const slot = measured ? records.count++ : -1;
			if (slot === 0) measureStarted = performance.now();
			if (measured) {
				records.rank[slot] = rank;
				meters[slot] = meter;
			}

			if (holdings[origin]?.has(catalog.keys[rank])) {
				finish(slot, true, 0, 0);
				return;
			}

			void node.findChunk(catalog.ids[rank], meter).then((result) => {
				finish(slot, result.found, result.hops, result.ms);
			});
		});
	}

	function finish(slot: number, found: boolean, hops: number, ms: number): void {
		done++;
		if (progress && done % 5000 === 0)
			progress(`${done}/${total} searches, ${Math.round(performance.now() - started)} ms`);
		if (slot < 0) return;
		records.found[slot] = found ? 1 : 0;
		records.hops[slot] = hops;
		records.ms[slot] = ms;
	}

	await world.clock.run();
	const ended = performance.now();
	const runMs = ended - started;
	let searchBytes = 0;
	let requests = 0;
	let timeouts = 0;
	for (let i = 0; i < records.count; i++) {
		const meter = meters[i];
		records.bytes[i] = meter.bytesSent + meter.bytesReceived;
		searchBytes += records.bytes[i];
		requests += meter.requests;
		timeouts += meter.timeouts;
	}

	const all = records.summarize(() => true, o.chunkBytes);
	const decileOf = (rank: number) => Math.min(9, Math.floor((rank * 10) / o.chunks));
	const deciles = Array.from({length: 10}, (_, decile) => ({
		decile,
		...records.summarize((rank) => decileOf(rank) === decile, o.chunkBytes),
	}));
	const topCount = Math.max(1, Math.ceil(o.chunks / 100));
	let found = 0;
	for (let i = 0; i < records.count; i++) found += records.found[i];
	const fetched = found * o.chunkBytes;
	let copies = 0;
	for (const held of holdings) copies += held?.cachedCount ?? 0;
	let pulls = 0;
	let failedPulls = 0;
	for (const cache of caches) {
		pulls += cache.pulls;
		failedPulls += cache.failedPulls;
	}

	const cacheSearch = cacheMeter.bytesSent + cacheMeter.bytesReceived;
	return {
		nodes: o.nodes,
		chunks: o.chunks,
		lookups: o.lookups,
		warmup: o.warmup,
		zipf: o.zipf,
		churn: o.churn,
		alpha: o.alpha,
		k: o.k,
		replicas: o.replicas,
		chunkWant: o.chunkWant,
		caching: o.caching,
		seed: o.seed,
		latencyMs: o.latencyMs,
		rare: deciles[9],
		top1pct: records.summarize((rank) => rank < topCount, o.chunkBytes),
		all,
		deciles,
		overheadRatio: fetched === 0 ? Number.NaN : round(searchBytes / fetched, 5),
		successRate: records.count === 0 ? 0 : round(found / records.count, 5),
		requestsPerLookup: round(requests / Math.max(1, records.count)),
		timeoutsPerLookup: round(timeouts / Math.max(1, records.count)),
		cache: {
			pulls,
			failedPulls,
			copies,
			searchMB: round(cacheSearch / (1 << 20)),
			fetchedMB: round(cacheFetched / (1 << 20)),
			overheadRatioWithPulls: round(
				(searchBytes + cacheSearch) / Math.max(1, fetched + cacheFetched),
				5,
			),
		},
		contactsPerNode: round(world.contacts / o.nodes, 1),
		nodesTouched: world.created,
		tableMB: round(world.table.bytes / (1 << 20)),
		buildMs: Math.round(world.buildMs),
		runMs: Math.round(runMs),
		warmupMs: Math.round((Number.isNaN(measureStarted) ? ended : measureStarted) - started),
		measureMs: Number.isNaN(measureStarted) ? 0 : Math.round(ended - measureStarted),
		virtualSeconds: round(world.clock.now() / 1000),
		peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
	};
}

/** Searches in one popularity half-life at `rate` per second: the default warm-up. */
export function steadyWarmup(rate: number, halfLifeMs: number): number {
	return Math.round((rate * halfLifeMs) / 1000);
}

/** Queries per hour that a decayed count of `count` stands for. */
function rateOf(count: number, halfLifeMs: number): number {
	return (count * Math.LN2 * 3_600_000) / halfLifeMs;
}

async function sleep(clock: VirtualClock, ms: number): Promise<void> {
	await new Promise<void>((resolve) => {
		clock.setTimer(ms, resolve);
	});
}
