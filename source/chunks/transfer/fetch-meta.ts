import {appendFeeTag, type FeeTicket} from '../../dht/request-fees.js';
import {isTornetError, TornetError} from '../../errors.js';
import type {ChunkStore} from '../chunk-store.js';
import {type ChunkSource, FetchSession, type FetchOptions} from './fetch-session.js';
import {type ChunkMeta, decodeMetaReply, encodeMetaRequest, META_METHOD} from './protocol.js';

const META_TIMEOUT_MS = 2000;

/**
 * Size and slice hashes of a chunk known only by its id (a link's root): from the store when held,
 * else from the first holder whose answer matches the id (a holder whose answer does not is
 * penalised). NOT_FOUND when no holder answers.
 */
export async function fetchMeta(
	store: ChunkStore,
	id: Buffer,
	sources: ChunkSource[],
	options: FetchOptions | FetchSession = {},
): Promise<ChunkMeta> {
	const session = options instanceof FetchSession ? options : new FetchSession(options);
	const held = await store.entry(id);
	if (held) return {id, size: held.size, slices: held.slices};
	const {rpc, signal} = session.options;
	if (!rpc) throw TornetError.badArgument('fetchMeta needs the node RPC');
	let lastError: TornetError | undefined;
	for (const source of sources) {
		if (signal?.aborted) throw TornetError.aborted('chunk.meta');
		if (session.isBanned(source.peerId)) continue;
		let ticket: FeeTicket | undefined;
		try {
			const connection = await session.connect(source);
			ticket = session.options.tagRequest?.(connection.peer, 'request');
			const body = appendFeeTag(encodeMetaRequest(id), ticket?.tag);
			const reply = await rpc.request(connection, META_METHOD, body, {
				timeoutMs: session.options.metaTimeoutMs ?? META_TIMEOUT_MS,
				retries: 1,
				signal,
			});
			ticket?.end(true);
			const meta = decodeMetaReply(id, reply);
			if (meta) return meta;
			lastError = TornetError.corrupt(`chunk.meta answer for ${id.toString('hex')}`);
			session.penalise(source.peerId, lastError);
		} catch (error) {
			// The holder's NOT_FOUND is an answer, and paid like one (the only NOT_FOUND here).
			ticket?.end(isTornetError(error, 'NOT_FOUND'), error);
			if (!(error instanceof TornetError) || error.code === 'ABORTED') throw error;
			lastError = error;
			session.sourceFailed(source.peerId, error);
		}
	}

	const why = lastError ? `: ${lastError.message}` : '';
	throw TornetError.notFound(`chunk ${id.toString('hex')} (${sources.length} holders asked${why})`);
}
