import {ChunkStore} from '../chunks/chunk-store.js';
import {TornetError} from '../errors.js';
import {sealDescription} from '../chunks/description-chunks.js';
import type {FileDescription} from '../chunks/file-description.js';
import {publishFile} from '../chunks/publish-local.js';
import type {DhtService} from './dht-service.js';
import type {ReplicateResult} from './replicate.js';
import {StoreHoldings} from './store-holdings.js';

/** Reference announcements in flight at once (each is a DHT lookup plus up to three stores). */
const ANNOUNCE_CONCURRENCY = 8;

export type PublishPhase = 'store' | 'announce' | 'offer';

export type NodePublishProgress = {
	phase: PublishPhase;
	/** store: content bytes sealed and stored; announce: chunks announced; offer: chunks offered. */
	done: number;
	total: number;
};

export type NodePublishResult = {
	link: string;
	bytes: number;
	chunks: number;
	/** Chunks whose reference at least one node near its id took. */
	announced: number;
	/** With `--replicas N`: what the nodes nearest each chunk said to our offers. */
	replicas?: ReplicateResult;
};

/** Offers the published chunks to other nodes (node-offers.ts), after the announcement. */
export type Replicator = (ids: readonly Buffer[]) => Promise<ReplicateResult>;

/** Every chunk a link needs: content chunks, description parts, and the root the link names. */
export function chunkIdsOf(description: FileDescription): Buffer[] {
	const {root, parts} = sealDescription(description);
	const ids = description.files.flatMap((entry) => entry.chunks.map((chunk) => chunk.id));
	return [...ids, ...parts.map((part) => part.id), root.id];
}

/**
 * Runs `task` over `items` with at most `limit` at once; resolves with how many succeeded.
 * Failures are counted, not thrown: an announcement that fails is retried at the next renewal.
 */
export async function forEachLimited<T>(
	items: readonly T[],
	limit: number,
	task: (item: T) => Promise<boolean>,
	onDone?: (done: number) => void,
): Promise<number> {
	let next = 0;
	let done = 0;
	let succeeded = 0;
	const worker = async () => {
		while (next < items.length) {
			const item = items[next++];
			const ok = await task(item).catch(() => false);
			if (ok) succeeded++;
			onDone?.(++done);
		}
	};

	await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
	return succeeded;
}

/**
 * The node's content: the chunk store, the in-memory view of it the DHT answers from, and
 * publishing (store locally, pinned; then push references toward each chunk's id so searches find
 * this node; chunks themselves are only ever pulled).
 */
export class ContentService {
	readonly store: ChunkStore;
	readonly holdings: StoreHoldings;

	private constructor(store: ChunkStore, holdings: StoreHoldings) {
		this.store = store;
		this.holdings = holdings;
	}

	static async open(dataDir: string, diskBytes: number): Promise<ContentService> {
		const holdings = new StoreHoldings();
		const store = await ChunkStore.open({
			dataDir,
			diskBytes,
			onStored: holdings.stored,
			onRemoved: holdings.removed,
		}).catch((error: unknown) => {
			const cause = (error as {cause?: {code?: string}}).cause;
			if (cause?.code === 'LEVEL_LOCKED')
				throw TornetError.badArgument(`the chunk store in ${dataDir} is open in another process`);
			throw error;
		});
		await holdings.load(store);
		return new ContentService(store, holdings);
	}

	/**
	 * Publishes a file or directory: sealed and stored here (durable before the link is returned),
	 * then announced. The announcement needs the DHT joined; a node alone announces nothing and
	 * says so in `announced`.
	 */
	async publish(
		path: string,
		dht: DhtService,
		onProgress?: (progress: NodePublishProgress) => void,
		signal?: AbortSignal,
		replicator?: Replicator,
	): Promise<NodePublishResult> {
		const result = await publishFile(this.store, path, {
			signal,
			onProgress(progress) {
				onProgress?.({phase: 'store', done: progress.bytesDone, total: progress.bytesTotal});
			},
		});
		const ids = chunkIdsOf(result.description);
		const announced = await this.announce(ids, dht, (done) => {
			onProgress?.({phase: 'announce', done, total: ids.length});
		});
		const published = {link: result.link, bytes: result.bytes, chunks: result.chunks, announced};
		return replicator ? {...published, replicas: await replicator(ids)} : published;
	}

	/** Pushes references for `ids` toward their places; resolves with how many were taken. */
	async announce(
		ids: readonly Buffer[],
		dht: DhtService,
		onDone?: (done: number) => void,
	): Promise<number> {
		return forEachLimited(
			ids,
			ANNOUNCE_CONCURRENCY,
			async (id) => (await dht.announce(id)) > 0,
			onDone,
		);
	}

	async close(): Promise<void> {
		await this.store.close();
	}
}
