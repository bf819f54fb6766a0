import {readEntryRange} from '../chunks/assemble-file.js';
import {descriptionFromRoot} from '../chunks/description-chunks.js';
import type {ChunkMeta} from '../chunks/transfer/protocol.js';
import {fetchChunk} from '../chunks/transfer/fetch-chunk.js';
import {fetchMeta} from '../chunks/transfer/fetch-meta.js';
import {FetchSession} from '../chunks/transfer/fetch-session.js';
import {TornetError} from '../errors.js';
import type {GatewayContent} from '../gateway/gateway-content.js';
import {dhtSources, type FetchContext} from './content-fetch.js';

/**
 * The gateway's content over the network: a description and the chunks a byte range covers are
 * fetched from holders (the DHT finds them) unless already held, then read from the store with
 * its verified reads. Fetched chunks stay as cached copies, so a page opened twice is local.
 */
export function networkContent(context: FetchContext): GatewayContent {
	const {store, rpc, charge, tagRequest} = context;
	const find = dhtSources(context);
	const ensure = async (chunk: ChunkMeta, session: FetchSession) => {
		if (await store.has(chunk.id)) return;
		await fetchChunk(store, chunk, await find(chunk.id), session);
	};

	return {
		async description(link, signal) {
			const session = new FetchSession({rpc, charge, tagRequest, signal});
			if (!(await store.has(link.id))) {
				const meta = await fetchMeta(store, link.id, await find(link.id), session);
				await ensure(meta, session);
			}

			return descriptionFromRoot(await store.get(link.id), link.key, async (part) => {
				await ensure(part, session);
				return store.get(part.id);
			});
		},
		async *read(entry, start, end, signal) {
			const session = new FetchSession({rpc, charge, tagRequest, signal});
			let chunkStart = 0;
			for (const chunk of entry.chunks) {
				const chunkEnd = chunkStart + chunk.size;
				if (chunkEnd > start && chunkStart < end) {
					if (signal.aborted) throw TornetError.aborted('read');
					await ensure(chunk, session);
					const from = Math.max(start, chunkStart);
					const to = Math.min(end, chunkEnd);
					yield* readEntryRange(store, entry, from, to);
				}

				chunkStart = chunkEnd;
				if (chunkStart >= end) break;
			}
		},
	};
}
