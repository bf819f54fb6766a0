import {readEntryRange} from '../chunks/assemble-file.js';
import type {ChunkStore} from '../chunks/chunk-store.js';
import {loadDescription} from '../chunks/description-chunks.js';
import type {FileDescription, FileEntry} from '../chunks/file-description.js';
import type {Link} from '../chunks/link.js';
import {TornetError} from '../errors.js';

/**
 * Where the gateway gets content: the local store here, the multi-source fetcher once the node
 * plugs it in. Failures are TornetErrors (NOT_FOUND, REQUEST_TIMEOUT, CORRUPT, ...), which the
 * gateway turns into HTTP statuses. `read` yields the verified plaintext of bytes [start, end) of
 * a file in order; it stops early when `signal` aborts (the client went away).
 */
export type GatewayContent = {
	description(link: Link, signal: AbortSignal): Promise<FileDescription>;
	read(entry: FileEntry, start: number, end: number, signal: AbortSignal): AsyncIterable<Buffer>;
};

export function storeContent(store: ChunkStore): GatewayContent {
	return {
		async description(link, signal) {
			if (signal.aborted) throw TornetError.aborted('description');
			return loadDescription(store, link);
		},
		async *read(entry, start, end, signal) {
			for await (const piece of readEntryRange(store, entry, start, end)) {
				if (signal.aborted) throw TornetError.aborted('read');
				yield piece;
			}
		},
	};
}
