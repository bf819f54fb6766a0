import {isTornetError} from '../../errors.js';
import type {BodySource} from '../assemble-file.js';
import type {ChunkStore} from '../chunk-store.js';
import type {ChunkRef} from '../file-description.js';
import {fetchChunk} from './fetch-chunk.js';
import type {FetchSession, FindSources} from './fetch-session.js';

export type NetworkSourceOptions = {
	findSources: FindSources;
	/** The chunks in the order they will be read: lets the next ones download meanwhile. */
	order?: ChunkRef[];
	/** Chunks fetched ahead of the one being read (default READ_AHEAD). */
	readAhead?: number;
};

export type NetworkSource = BodySource & {
	/** Waits for read-ahead fetches still running (abort the session's signal first to cut them). */
	settle(): Promise<void>;
};

/**
 * Enough chunks in flight that every holder always has a request queued (a holder serves at its
 * cap only while it has one), few enough to bound the disk reserved for downloads in progress.
 */
export const READ_AHEAD = 6;

/**
 * A BodySource (assemble-file.ts) over the network: each body comes from the store (a verified
 * read), fetched from holders first when the store does not have it. With `order`, the next
 * `readAhead` chunks download while the current one is decrypted and written.
 */
export function networkSource(
	store: ChunkStore,
	session: FetchSession,
	options: NetworkSourceOptions,
): NetworkSource {
	const {findSources, order = []} = options;
	const readAhead = Math.max(0, options.readAhead ?? READ_AHEAD);
	// A fetched body (verified slice by slice on arrival), or undefined: read it from the store.
	const fetching = new Map<string, Promise<Buffer | undefined>>();
	let cursor = 0;

	const fetchOne = async (chunk: ChunkRef): Promise<Buffer | undefined> => {
		if (await store.has(chunk.id)) return undefined;
		return (await fetchChunk(store, chunk, await findSources(chunk.id), session)).body;
	};

	// Not async: the stored promise is returned as is, so a read-ahead failure nobody awaited yet
	// is not an unhandled rejection.
	const ensure = (chunk: ChunkRef): Promise<Buffer | undefined> => {
		const hex = chunk.id.toString('hex');
		let pending = fetching.get(hex);
		if (!pending) {
			pending = fetchOne(chunk);
			pending.catch(() => undefined); // read-ahead: the reader sees the failure when it gets there
			fetching.set(hex, pending);
		}

		return pending;
	};

	const read: BodySource = async (chunk) => {
		const at = order.findIndex(
			(candidate, index) => index >= cursor && candidate.id.equals(chunk.id),
		);
		if (at !== -1) {
			cursor = at + 1;
			if (!session.options.signal?.aborted)
				for (const next of order.slice(at + 1, at + 1 + readAhead)) ensure(next);
		}

		const hex = chunk.id.toString('hex');
		let fetched: Buffer | undefined;
		try {
			fetched = await ensure(chunk);
		} finally {
			fetching.delete(hex);
		}

		if (fetched) return fetched;

		try {
			return await store.get(chunk.id);
		} catch (error) {
			// Evicted since, or dropped as corrupt by the verified read: fetch it once more.
			if (!isTornetError(error, 'NOT_FOUND') && !isTornetError(error, 'CORRUPT')) throw error;
			await fetchOne(chunk);
			return store.get(chunk.id);
		}
	};

	return Object.assign(read, {
		async settle() {
			await Promise.allSettled(fetching.values());
		},
	});
}
