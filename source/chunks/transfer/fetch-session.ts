import type {TagRequest} from '../../dht/request-fees.js';
import {TornetError} from '../../errors.js';
import type {Rpc} from '../../rpc/rpc.js';
import type {Connection} from '../../transport/connection.js';
import type {PeerIdentity} from '../../wire/handshake.js';
import type {Admission, TransferTerms} from './chunk-server.js';

/** A peer believed to hold a chunk, and how to reach it (the node dials through its endpoint). */
export type ChunkSource = {peerId: Buffer; connect(): Promise<Connection>};

/** Holders of a chunk: the node asks the DHT; tests list real peers. */
export type FindSources = (chunkId: Buffer) => Promise<ChunkSource[]>;

export type FetchOptions = {
	/** For chunk.meta (fetchMeta, fetchLink). */
	rpc?: Rpc;
	/** Store fetched chunks pinned; cached copies (evictable) by default. */
	pinned?: boolean;
	/**
	 * Before each range is asked for; a throw skips that holder for the chunk. It may wait (for
	 * room in a credit line) until `signal` aborts.
	 */
	charge?: (
		peer: PeerIdentity,
		terms: TransferTerms,
		options?: {signal?: AbortSignal},
	) => Promise<Admission>;
	/** Tags each chunk.meta (a paid request) for our own ledger (dht/request-fees.ts). */
	tagRequest?: TagRequest;
	/** A holder sent bytes that are not the chunk: it is dropped for the rest of this fetch. */
	onBadSource?: (peerId: Buffer, error: TornetError) => void;
	/** A holder failed otherwise (NOT_FOUND, TOO_MANY_REQUESTS, a stall, …): skipped for the chunk. */
	onSourceError?: (peerId: Buffer, error: TornetError) => void;
	/** A holder silent for this long is given up on. */
	stallMs?: number;
	/** chunk.meta timeout per attempt. */
	metaTimeoutMs?: number;
	signal?: AbortSignal;
};

export const DEFAULT_STALL_MS = 10_000;

/**
 * What several chunk fetches of one download share: the connections to holders, the holders
 * caught sending bad data (never asked again in this download), and the byte counters that
 * progress reports read. Tables grow with the holders found for one download, not with time.
 */
export class FetchSession {
	readonly options: FetchOptions;
	/** Verified bytes per holder (peer id hex). */
	readonly bySource = new Map<string, number>();
	/** Verified bytes received in all. */
	bytesReceived = 0;
	/** Bytes received and thrown away (failed verification, or cut short). */
	bytesDiscarded = 0;
	private readonly banned = new Map<string, TornetError>();
	private readonly connections = new Map<string, Promise<Connection>>();
	private readonly busy = new Map<string, number>();
	private readonly idleListeners = new Set<() => void>();

	constructor(options: FetchOptions = {}) {
		this.options = options;
	}

	get stallMs(): number {
		return this.options.stallMs ?? DEFAULT_STALL_MS;
	}

	/** Holders with a request in flight now. */
	get activeSources(): number {
		return this.busy.size;
	}

	isBanned(peerId: Buffer): boolean {
		return this.banned.has(peerId.toString('hex'));
	}

	/** A holder sent bad bytes: reported once, and never asked again in this download. */
	penalise(peerId: Buffer, error: TornetError): void {
		const key = peerId.toString('hex');
		if (this.banned.has(key)) return;
		this.banned.set(key, error);
		this.options.onBadSource?.(peerId, error);
	}

	sourceFailed(peerId: Buffer, error: TornetError): void {
		this.options.onSourceError?.(peerId, error);
	}

	/** The open connection to a holder, dialled once and again only after it closed. */
	async connect(source: ChunkSource): Promise<Connection> {
		const key = source.peerId.toString('hex');
		const known = this.connections.get(key);
		if (known) {
			const connection = await known;
			if (connection.isOpen) return connection;
		}

		const dialling = source.connect();
		this.connections.set(key, dialling);
		dialling.catch(() => undefined); // a later caller sees the failure through `known`
		const connection = await dialling;
		if (!connection.peer.id.equals(source.peerId))
			throw TornetError.handshakeFailed('the holder is not the peer it was said to be');
		return connection;
	}

	/** Whether a request to `peerId` is in flight (for any chunk of this session). */
	isBusy(peerId: Buffer): boolean {
		return this.busy.has(peerId.toString('hex'));
	}

	/** Counts a request in flight to `peerId` until the returned call. */
	begin(peerId: Buffer): () => void {
		const key = peerId.toString('hex');
		this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
		return () => {
			const left = (this.busy.get(key) ?? 1) - 1;
			if (left > 0) {
				this.busy.set(key, left);
				return;
			}

			this.busy.delete(key);
			for (const listener of this.idleListeners) listener();
		};
	}

	/** Calls `listener` whenever a holder has no request left in flight; returns the unsubscribe. */
	onIdle(listener: () => void): () => void {
		this.idleListeners.add(listener);
		return () => this.idleListeners.delete(listener);
	}

	received(peerId: Buffer, bytes: number): void {
		const key = peerId.toString('hex');
		this.bySource.set(key, (this.bySource.get(key) ?? 0) + bytes);
		this.bytesReceived += bytes;
	}
}
