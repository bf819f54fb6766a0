import {randomBytes} from 'node:crypto';
import {isTornetError, TornetError} from '../../errors.js';
import type {ChunkStore} from '../chunk-store.js';
import {openPartial, type PartialChunk} from '../partial-chunk.js';
import type {Connection} from '../../transport/connection.js';
import {SLICE_BYTES, sliceLength} from '../slices.js';
import type {Admission} from './chunk-server.js';
import {type ChunkSource, type FetchOptions, FetchSession} from './fetch-session.js';
import {EVENT_ID_BYTES, type ChunkMeta} from './protocol.js';
import {type RangeOutcome, requestRange} from './range-request.js';
import {type Flight, RangePlan} from './range-plan.js';

export type FetchChunkResult = {
	/** 'held' when the chunk was in the store already; 'present' when another download won. */
	result: 'stored' | 'present' | 'held';
	/** Verified bytes this call received (slices found on disk from an earlier run not included). */
	bytes: number;
	/**
	 * The verified body, when every slice came in through this call (not resumed from disk): the
	 * reader need not read back and hash again what was just verified.
	 */
	body?: Buffer;
};

/** A holder that failed in a way that may pass (a lost stream, busy) is asked again this often. */
const RETRIES = 2;
const RETRY_DELAY_MS = 250;
const TRANSIENT = new Set<string>([
	'REQUEST_TIMEOUT',
	'STREAM_RESET',
	'TOO_MANY_REQUESTS',
	'CONNECTION_CLOSED',
	'PROTOCOL_VIOLATION',
]);

function isTransient(error: TornetError): boolean {
	return TRANSIENT.has(error.code);
}

/** A holder's failure for one range; `again` when it was dealt with (a settlement): ask again. */
type RangeFailure = {error: TornetError; again: boolean};

async function delay(ms: number): Promise<void> {
	return new Promise((resolve) => {
		setTimeout(resolve, ms);
	});
}

/**
 * Downloads chunk `chunk` into the store from `sources` at once: the missing slices are cut into
 * ranges that the holders take from a shared queue, each slice verified as it arrives. A holder
 * that fails has its unfinished slices queued again for the others; one that sends bad bytes is
 * also dropped for the rest of the session. Resumes a download left by an earlier run (only
 * missing slices are asked for). On failure the partial chunk is kept for a later attempt.
 */
export async function fetchChunk(
	store: ChunkStore,
	chunk: ChunkMeta,
	sources: ChunkSource[],
	options: FetchOptions | FetchSession = {},
): Promise<FetchChunkResult> {
	const session = options instanceof FetchSession ? options : new FetchSession(options);
	const pinned = session.options.pinned ?? false;
	const partial = await openPartial(store, chunk.id, chunk.size, chunk.slices, {pinned});
	if (!partial) {
		if (pinned) await store.pin(chunk.id);
		return {result: 'held', bytes: 0};
	}

	try {
		const {bytes, body} = await download(partial, sources, session);
		return {result: await partial.finish(), bytes, ...(body && {body})};
	} catch (error) {
		await partial.suspend();
		throw error;
	}
}

async function download(
	partial: PartialChunk,
	sources: ChunkSource[],
	session: FetchSession,
): Promise<{bytes: number; body?: Buffer}> {
	const hex = partial.id.toString('hex');
	// Stops this chunk's requests when the caller aborts or one worker fails locally.
	const stop = new AbortController();
	const outer = session.options.signal;
	const onAbort = () => {
		stop.abort();
	};

	outer?.addEventListener('abort', onAbort, {once: true});
	if (outer?.aborted) stop.abort();
	const live = sources.filter((source) => !session.isBanned(source.peerId));
	const plan = new RangePlan(partial, live.length);
	// Slices counted once, even when two holders delivered one (endgame overlap).
	const counted = new Set<number>();
	// A copy of the body while every slice so far came in here (dropped at the first resumed one).
	let body: Buffer | undefined =
		partial.missing().length === partial.sliceTotal ? Buffer.allocUnsafe(partial.size) : undefined;
	let lastError: TornetError | undefined;
	let wake: () => void = () => undefined;
	let changed = new Promise<void>((resolve) => {
		wake = resolve;
	});
	const notify = () => {
		wake();
		changed = new Promise<void>((resolve) => {
			wake = resolve;
		});
	};

	const fresh = (index: number, bytes: Buffer) => {
		if (counted.has(index)) return false;
		counted.add(index);
		body?.set(bytes, index * SLICE_BYTES);
		return true;
	};

	const worker = async (source: ChunkSource) => {
		let strikes = 0;
		while (!stop.signal.aborted && !session.isBanned(source.peerId) && !partial.complete) {
			const flight = plan.take(!session.isBusy(source.peerId));
			if (!flight) {
				if (plan.inFlight === 0) return;
				await changed;
				continue;
			}

			const done = session.begin(source.peerId);
			let failure: RangeFailure | undefined;
			let retry = false;
			try {
				failure = await fetchRange(partial, source, flight, plan, session, stop.signal, fresh);
				retry =
					failure !== undefined &&
					!session.isBanned(source.peerId) &&
					(failure.again || isTransient(failure.error)) &&
					++strikes <= RETRIES;
			} catch (error) {
				stop.abort();
				throw error;
			} finally {
				done();
				if (failure && !retry) live.splice(live.indexOf(source), 1);
				plan.finish(flight, failure !== undefined, Math.max(1, live.length));
				notify();
			}

			if (failure) lastError = failure.error;
			if (failure && !retry) return;
			if (retry) await delay(RETRY_DELAY_MS * strikes);
		}
	};

	// A holder that went idle (its other chunks done) may now take over part of a slow range here.
	const unsubscribe = session.onIdle(notify);
	try {
		// A second round only if holders remain and slices went missing between the cracks.
		for (let round = 0; round < 2 && live.length > 0 && !partial.complete; round++) {
			if (round > 0 && !plan.replan(live.length)) break;
			const settled = await Promise.allSettled([...live].map(async (source) => worker(source)));
			const thrown = settled.find((result) => result.status === 'rejected');
			if (thrown) throw thrown.reason;
		}
	} finally {
		unsubscribe();
		outer?.removeEventListener('abort', onAbort);
	}

	if (partial.complete) {
		if (counted.size !== partial.sliceTotal) body = undefined;
		const bytes = [...counted].reduce((sum, index) => sum + sliceLength(partial.size, index), 0);
		return body ? {bytes, body} : {bytes};
	}

	if (stop.signal.aborted) throw TornetError.aborted(`fetch of chunk ${hex}`);
	const why = lastError ? `: ${lastError.message.replace(/^[A-Z_]+: /, '')}` : '';
	// The last holder's reason decides the code when it is one the caller acts on: a corrupt
	// holder, or payment required (the caller settles and asks again).
	const code =
		lastError?.code === 'CORRUPT' || lastError?.code === 'PAYMENT_REQUIRED'
			? lastError.code
			: 'NOT_FOUND';
	throw new TornetError(code, `no holder delivered chunk ${hex} (${sources.length} asked)${why}`);
}

/**
 * One range from one holder. The holder's failure comes back as a value (the holder is then
 * skipped for this chunk); a local failure (store closed, abort) throws. `fresh` says whether a
 * slice is counted for the first time (only those are paid for and counted as received).
 */
async function fetchRange(
	partial: PartialChunk,
	source: ChunkSource,
	flight: Flight,
	plan: RangePlan,
	session: FetchSession,
	signal: AbortSignal,
	fresh: (index: number, bytes: Buffer) => boolean,
): Promise<RangeFailure | undefined> {
	let connection: Connection;
	let admission: Admission | undefined;
	const eventId = randomBytes(EVENT_ID_BYTES);
	try {
		connection = await session.connect(source);
		const end = Math.min(partial.size, flight.until * SLICE_BYTES);
		// The charge may wait for room in the holder's credit line until this chunk's fetch stops.
		admission = await session.options.charge?.(
			connection.peer,
			{chunkId: partial.id, eventId, bytes: end - flight.first * SLICE_BYTES},
			{signal},
		);
	} catch (error) {
		// Stopped while waiting (ours, not the holder's failure), or not a TornetError: local.
		if (!(error instanceof TornetError) || error.code === 'ABORTED') throw error;
		session.sourceFailed(source.peerId, error);
		return {error, again: false};
	}

	if (signal.aborted) {
		admission?.release();
		throw TornetError.aborted(`fetch of chunk ${partial.id.toString('hex')}`);
	}

	let verified = 0;
	let outcome: RangeOutcome;
	try {
		outcome = await requestRange(
			connection,
			partial,
			{first: flight.first, count: flight.until - flight.first, eventId},
			{
				stallMs: session.stallMs,
				signal,
				wants: (index) => plan.wants(flight, index),
				onProgress(inHand) {
					flight.inHand = inHand;
				},
				onSlice(index, bytes) {
					if (!fresh(index, bytes)) return;
					const {length} = bytes;
					verified += length;
					session.received(source.peerId, length);
				},
			},
		);
		session.bytesDiscarded += outcome.received - verified;
		if (outcome.error && outcome.hostile) session.penalise(source.peerId, outcome.error);
		else if (outcome.error) session.sourceFailed(source.peerId, outcome.error);
	} finally {
		// Pay for what verified and was new, nothing for bad or duplicate bytes; on every path
		// (refusal, reset, stall, abort, a local throw) the reservation ends here.
		if (admission && verified > 0) await admission.commit(verified).catch(() => undefined);
		else admission?.release();
	}

	const {error} = outcome;
	if (!error) return undefined;
	// The holder asked for payment: our market may settle (as its policy allows), then ask again.
	const again =
		isTornetError(error, 'PAYMENT_REQUIRED') &&
		!signal.aborted &&
		(await admission?.refused?.(error).catch(() => false)) === true;
	return {error, again};
}
