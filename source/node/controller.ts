import type {SettlementRail, Snapshot} from './snapshot.js';

/**
 * What the console (or a control-socket client) may ask of a running node. The UI holds nothing
 * else of the node: it renders snapshots and calls these methods.
 *
 * Actions resolve once the change has taken effect (getSnapshot() then reflects it) and reject
 * with a TornetError whose message the console shows on its status line. Publishes and fetches
 * appear in `snapshot.jobs` with their progress while their promise is pending.
 */
export type NodeController = {
	/** The latest snapshot; cheap, no I/O. */
	getSnapshot(): Snapshot;
	/** Called with each new snapshot (about once a second). Returns the unsubscribe function. */
	subscribe(listener: SnapshotListener): () => void;
	setRange(bits: number): Promise<void>;
	setMinPopularity(value: number): Promise<void>;
	publish(path: string): Promise<PublishResult>;
	fetch(link: string, outputPath?: string): Promise<FetchResult>;
	/** Moves money: the console asks the operator to confirm before calling it. */
	settle(peerIdHex: string, rail?: SettlementRail): Promise<SettleResult>;
};

export type SnapshotListener = (snapshot: Snapshot) => void;

export type PublishResult = {link: string; bytes: number};
export type FetchResult = {path: string; bytes: number};
export type SettleResult = {amount: number; rail: SettlementRail};

/** Bounds of the live-adjustable settings, shared by the node (validation) and the console (keys). */
export const RANGE_BITS_MIN = 0;
export const RANGE_BITS_MAX = 160;
export const MIN_POPULARITY_MIN = 0;
export const MIN_POPULARITY_MAX = 1_000_000;
