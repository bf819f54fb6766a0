/**
 * The node's 1 Hz stats snapshot: everything the console renders, as plain data (no class
 * instances, no Buffers, no undefined-valued fields, no NaN) so the same object can be rendered
 * in-process or sent over the control socket as JSON and read back unchanged.
 *
 * Ids are lower-case hex. Rates are bytes per second. Credits are the market's unit
 * (bytes × distance bits, see DESIGN.md "Market").
 */

/** Samples per chart series: one per second for the last minute. */
export const SERIES_LENGTH = 60;

export type PeerState = 'handshaking' | 'connected' | 'idle' | 'closed';

export type SelfInfo = {
	idHex: string;
	/** `<pubkey>@host:port`, what other nodes bootstrap from. */
	address: string;
	rank: number;
	uptimeSeconds: number;
	port: number;
};

export type PeerStats = {
	idHex: string;
	/** `host:port` of the peer's UDP socket. */
	address: string;
	rank: number;
	/** Smoothed RTT; null until the first sample (while handshaking). */
	rttMs: number | null;
	upBps: number;
	downBps: number;
	state: PeerState;
};

/**
 * Node-wide series, oldest sample first, at most SERIES_LENGTH samples one second apart.
 * rttMs holds the mean smoothed RTT of connected peers, null for seconds with none.
 */
export type NodeSeries = {
	rttMs: Array<number | null>;
	upBps: number[];
	downBps: number[];
};

export type ChunkStats = {
	idHex: string;
	/** Decaying query rate (queries per minute) as the popularity tracker sees it. */
	queryRate: number;
	/** bitlength(our id ⊕ chunk id): 0 is our own id, 160 the farthest. */
	distanceBits: number;
	inRange: boolean;
	cached: boolean;
	bytes: number;
};

export type StoreUse = {
	usedBytes: number;
	budgetBytes: number;
};

export type Settings = {
	/** Serve chunks whose distanceBits is at most this. */
	rangeBits: number;
	/** Serve chunks whose queryRate is at least this. */
	minPopularity: number;
	uploadBps: number;
	diskBytes: number;
	minRank: number;
};

export type SettlementRail = 'allowance' | 'cheque' | 'bitcoin';

/** none: nothing owed past the threshold; due: settlement needed; pending: in flight. */
export type SettlementState = 'none' | 'due' | 'pending' | 'settled' | 'failed';

export type CreditEntry = {
	peerIdHex: string;
	/** Credits the peer owes us (positive) or we owe the peer (negative). */
	balance: number;
	/** The most either side may owe before it must settle (100 MB × rank). */
	creditLine: number;
	settlement: SettlementState;
	/** The rail of the pending or last settlement. */
	rail: SettlementRail | null;
};

export type JobKind = 'publish' | 'fetch';
export type JobState = 'running' | 'done' | 'failed';

export type Job = {
	id: string;
	kind: JobKind;
	/** The path being published or the link being fetched. */
	target: string;
	/** Where a fetch writes; null for publishes. */
	outputPath: string | null;
	state: JobState;
	doneBytes: number;
	/** Null until known (a fetch learns it from the file description). */
	totalBytes: number | null;
	rateBps: number;
	/** Peers currently sending (fetch) or accepting (publish). */
	sources: number;
	etaSeconds: number | null;
	/** The published link once a publish is done. */
	link: string | null;
	error: string | null;
};

export type Snapshot = {
	/** Wall-clock time the snapshot was taken, ms since the epoch. */
	takenAtMs: number;
	self: SelfInfo;
	peers: PeerStats[];
	series: NodeSeries;
	/** The most popular chunks the node tracks, at most a few thousand. */
	chunks: ChunkStats[];
	store: StoreUse;
	settings: Settings;
	credit: CreditEntry[];
	jobs: Job[];
	/** Routing-table contacts and all contacts known; absent in snapshots made without a DHT. */
	dht?: {contacts: number; known: number};
};

/** A snapshot with nothing in it, for a node that has not produced its first one yet. */
export function emptySnapshot(self: SelfInfo, settings: Settings): Snapshot {
	return {
		takenAtMs: Date.now(),
		self,
		peers: [],
		series: {rttMs: [], upBps: [], downBps: []},
		chunks: [],
		store: {usedBytes: 0, budgetBytes: settings.diskBytes},
		settings,
		credit: [],
		jobs: [],
	};
}
