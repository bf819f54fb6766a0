import type {Writable} from 'node:stream';
import {TornetError} from '../../errors.js';
import {type ReadProgress, type ReadResult, readFileFromStore} from '../assemble-file.js';
import type {ChunkStore} from '../chunk-store.js';
import {descriptionFromRoot} from '../description-chunks.js';
import type {ChunkRef, FileDescription} from '../file-description.js';
import {type Link, parseLink} from '../link.js';
import {fetchChunk} from './fetch-chunk.js';
import {fetchMeta} from './fetch-meta.js';
import {type FetchOptions, FetchSession, type FindSources} from './fetch-session.js';
import {networkSource} from './network-source.js';
import {RateMeter} from './rate-meter.js';

export type FetchProgress = ReadProgress & {
	/** Verified bytes received from holders so far (chunks already held are not counted). */
	bytesReceived: number;
	/** Bytes per second received over the last few seconds. */
	rate: number;
	/** Holders with a request in flight now. */
	sources: number;
};

export type FetchLinkOptions = Omit<FetchOptions, 'signal'> & {
	findSources: FindSources;
	signal?: AbortSignal;
	/** One file of a directory (its path inside the description). */
	file?: string;
	onProgress?: (progress: FetchProgress) => void;
	/** Chunks downloaded ahead of the one being written (network-source.ts). */
	readAhead?: number;
};

export type FetchLinkResult = ReadResult & {
	bytesReceived: number;
	/** Verified bytes per holder (peer id hex). */
	bySource: Map<string, number>;
	/** Holders dropped for sending bad bytes. */
	penalised: string[];
};

/** A progress report at least this often while bytes flow, between chunk boundaries too. */
const PROGRESS_MS = 500;

/**
 * Fetches what a link names from holders and writes it to `out` (a stream for a single file, or a
 * path, written atomically): the root chunk (its slice list asked for with chunk.meta and checked
 * against the id), the description's parts, then the content chunks in order with read-ahead,
 * every slice verified as it arrives. Chunks stay in the store as cached copies (pinned with
 * `pinned`), so an interrupted fetch resumes where it stopped.
 */
export async function fetchLink(
	store: ChunkStore,
	link: string | Link,
	out: Writable | string,
	options: FetchLinkOptions,
): Promise<FetchLinkResult> {
	const parsed = typeof link === 'string' ? parseLink(link) : link;
	const controller = new AbortController();
	const onAbort = () => {
		controller.abort();
	};

	options.signal?.addEventListener('abort', onAbort, {once: true});
	if (options.signal?.aborted) controller.abort();
	const penalised: string[] = [];
	const session = new FetchSession({
		...options,
		signal: controller.signal,
		onBadSource(peerId, error) {
			penalised.push(peerId.toString('hex'));
			options.onBadSource?.(peerId, error);
		},
	});
	const {findSources} = options;
	const meter = new RateMeter();
	let last: ReadProgress = {bytesDone: 0, bytesTotal: 0, path: ''};
	const report = () => {
		options.onProgress?.({
			...last,
			bytesReceived: session.bytesReceived,
			rate: meter.update(session.bytesReceived),
			sources: session.activeSources,
		});
	};

	const ticker = options.onProgress ? setInterval(report, PROGRESS_MS) : undefined;
	ticker?.unref();
	let source: ReturnType<typeof networkSource> | undefined;
	try {
		const rootSources = (await store.has(parsed.id)) ? [] : await findSources(parsed.id);
		const rootMeta = await fetchMeta(store, parsed.id, rootSources, session);
		await fetchChunk(store, rootMeta, rootSources, session);
		const description = await descriptionFromRoot(
			await store.get(parsed.id),
			parsed.key,
			async (part) => {
				await fetchChunk(store, part, await findSources(part.id), session);
				return store.get(part.id);
			},
		);
		source = networkSource(store, session, {
			findSources,
			order: chunksInOrder(description, options.file),
			readAhead: options.readAhead,
		});
		const result = await readFileFromStore(
			store,
			parsed,
			out,
			{
				file: options.file,
				signal: controller.signal,
				onProgress(progress) {
					last = progress;
					report();
				},
			},
			source,
		);
		return {
			...result,
			bytesReceived: session.bytesReceived,
			bySource: new Map(session.bySource),
			penalised,
		};
	} catch (error) {
		if (controller.signal.aborted && !(error instanceof TornetError))
			throw TornetError.aborted('fetch');
		throw error;
	} finally {
		clearInterval(ticker);
		options.signal?.removeEventListener('abort', onAbort);
		controller.abort(); // read-ahead fetches still running stop (their partial chunks stay)
		await source?.settle();
	}
}

function chunksInOrder(description: FileDescription, file: string | undefined): ChunkRef[] {
	const files =
		file === undefined
			? description.files
			: description.files.filter((entry) => entry.path === file);
	return files.flatMap((entry) => entry.chunks);
}
