import type {Writable} from 'node:stream';
import type {ChunkStore} from '../chunks/chunk-store.js';
import {fetchChunk} from '../chunks/transfer/fetch-chunk.js';
import {fetchLink, type FetchProgress} from '../chunks/transfer/fetch-link.js';
import {fetchMeta} from '../chunks/transfer/fetch-meta.js';
import {
	type ChunkSource,
	type FetchOptions,
	FetchSession,
	type FindSources,
} from '../chunks/transfer/fetch-session.js';
import type {NodeAddress} from '../identity/address.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import {chunkIdsOf} from './content-service.js';
import type {DhtContact, DhtService} from './dht-service.js';

export type NodeFetchResult = {
	/** Where the content went: a path, or '-' for a stream. */
	path: string;
	bytes: number;
	files: number;
	/** Bytes that came from peers (the rest was already held here). */
	bytesReceived: number;
	/** Verified bytes per holder, by peer id. */
	sources: Record<string, number>;
	/** Holders caught sending bad bytes. */
	penalised: string[];
};

export type FetchContext = {
	store: ChunkStore;
	dht: DhtService;
	rpc: Rpc;
	dial: (address: NodeAddress) => Promise<Connection>;
	charge?: FetchOptions['charge'];
	tagRequest?: FetchOptions['tagRequest'];
};

/** A DHT contact as a place to fetch from. */
export function sourceOf(context: FetchContext, holder: DhtContact): ChunkSource {
	return {peerId: holder.id, connect: async () => context.dial(holder)};
}

/** Holders of a chunk, from a chunk search: the one that answered, then the ones references named. */
export function dhtSources(context: FetchContext): FindSources {
	return async (chunkId) => {
		const search = await context.dht.findChunk(chunkId);
		return search.holders.map((holder) => sourceOf(context, holder));
	};
}

/**
 * Downloads what a link names into `out` (a path, written atomically, or a stream), from holders the
 * DHT finds, several at once per chunk; chunks stay in the store as cached copies, so the node can
 * serve them on and an interrupted fetch resumes.
 */
export async function fetchContent(
	context: FetchContext,
	link: string,
	out: string | Writable,
	onProgress?: (progress: FetchProgress) => void,
	signal?: AbortSignal,
): Promise<{result: NodeFetchResult; chunkIds: Buffer[]}> {
	const result = await fetchLink(context.store, link, out, {
		findSources: dhtSources(context),
		rpc: context.rpc,
		charge: context.charge,
		tagRequest: context.tagRequest,
		onProgress,
		signal,
	});
	return {
		result: {
			path: typeof out === 'string' ? out : '-',
			bytes: result.bytes,
			files: result.files,
			bytesReceived: result.bytesReceived,
			sources: Object.fromEntries(result.bySource),
			penalised: result.penalised,
		},
		chunkIds: chunkIdsOf(result.description),
	};
}

/**
 * The pull cache's last step: fetch a popular chunk from the holder a search found, into the store
 * as a cached copy. Resolves with its size, or undefined when the holder no longer has it.
 */
export async function pullChunk(
	context: FetchContext,
	holder: DhtContact,
	chunkId: Buffer,
): Promise<number | undefined> {
	const sources = [sourceOf(context, holder)];
	const session = new FetchSession({
		rpc: context.rpc,
		charge: context.charge,
		tagRequest: context.tagRequest,
	});
	try {
		const meta = await fetchMeta(context.store, chunkId, sources, session);
		await fetchChunk(context.store, meta, sources, session);
		return meta.size;
	} catch {
		return undefined;
	}
}

/**
 * Progress of a fetch in content bytes: what has been written, or what has arrived from holders
 * when that is ahead (chunks download ahead of the writer; a body is the size of its plaintext).
 */
export function fetchedBytes(progress: FetchProgress): number {
	const ahead = Math.max(progress.bytesDone, progress.bytesReceived);
	return progress.bytesTotal > 0 ? Math.min(ahead, progress.bytesTotal) : ahead;
}
