export type DhtConfig = {
	/** Kademlia bucket size and lookup width. */
	k: number;
	/** Requests in flight per lookup path. */
	alpha: number;
	/** Disjoint lookup paths (S/Kademlia); 1 = plain Kademlia. */
	paths: number;
	/** Contacts asked for per FIND_NODE (≤ k). */
	nodeWant: number;
	/**
	 * Contacts asked for per FIND_CHUNK. Fewer than k: a chunk search stops at the first holder,
	 * and each contact costs 40–52 bytes, so this is the main lever on search overhead.
	 */
	chunkWant: number;
	/** A request unanswered this long frees its parallelism slot (it may still answer). */
	slowMs: number;
	/** Hard stop for one lookup. */
	lookupMaxMs: number;
	/** Consecutive failed requests after which a contact leaves the routing table. */
	maxFailures: number;
	/** A full bucket pings its oldest contact for a newcomer at most this often (seconds). */
	pingIntervalS: number;
	/** Buckets not looked into for this long are refreshed with a random lookup. */
	refreshMs: number;
	/** Nodes a holder pushes a chunk reference to (the closest to the chunk id). */
	referenceFanout: number;
	/**
	 * S/Kademlia-style IP diversity: contacts from one /24 (IPv4) or /48 (IPv6) a bucket, and the
	 * whole table, hold at most (loopback and private addresses are exempt: dht/subnet.ts).
	 */
	subnetPerBucket: number;
	subnetPerTable: number;
	/**
	 * The original's advertising rule: push chunk references only to nodes ranked below us, and
	 * take them only from nodes ranked above us (RANK_TOO_LOW). Off by default: on a fresh network
	 * every identity has the same rank, so nobody could advertise (docs/economics.md).
	 */
	rankGatedReferences: boolean;
};

export const DEFAULT_DHT_CONFIG: DhtConfig = {
	k: 20,
	alpha: 3,
	paths: 1,
	nodeWant: 20,
	chunkWant: 10,
	slowMs: 600, // a few internet RTTs; a slow peer keeps its chance to answer, just not our slot
	lookupMaxMs: 30_000,
	maxFailures: 2, // the RPC layer already retransmits inside one request
	pingIntervalS: 300,
	refreshMs: 3_600_000, // Kademlia's hourly bucket refresh
	referenceFanout: 3,
	subnetPerBucket: 2, // a bucket of 20 spread over ≥ 10 blocks: one operator cannot own a region
	subnetPerTable: 10, // half a bucket's worth of a ~300-contact table
	rankGatedReferences: false,
};

/** A complete, frozen config; a frozen one passed back in is used as is (shared by many nodes). */
export function dhtConfig(overrides: Partial<DhtConfig> = {}): Readonly<DhtConfig> {
	if (Object.isFrozen(overrides) && isComplete(overrides)) return overrides;
	const config = {...DEFAULT_DHT_CONFIG, ...overrides};
	if (config.nodeWant > config.k) config.nodeWant = config.k;
	if (config.chunkWant > config.k) config.chunkWant = config.k;
	return Object.freeze(config);
}

function isComplete(config: Partial<DhtConfig>): config is DhtConfig {
	return Object.keys(DEFAULT_DHT_CONFIG).every((key) => key in config);
}
