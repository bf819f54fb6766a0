import {availableParallelism} from 'node:os';
import {extname} from 'node:path';
import {Worker} from 'node:worker_threads';
import {TornetError} from '../errors.js';
import {nonceFromCounter, rankOf} from './rank.js';
import type {RankBatch, RankBatchResult} from './rank-worker.js';

/** 2^16 hashes: ~30-60 ms per batch here, so aborting loses little and messages stay rare. */
export const BATCH_SIZE = 2 ** 16;
/** The nonce is 8 bytes: past 2^64 expected tries the nonce space itself runs out. */
export const MAX_TARGET = 64;
const PROGRESS_INTERVAL_MS = 500;

export type RankProgress = {
	/** Hashes evaluated in this search (whole batches only). */
	hashes: number;
	hashesPerSecond: number;
	rank: number;
	nonce: Buffer;
	/** Every counter below this has been hashed (in this search or before `start`). */
	searched: bigint;
};

export type RankSearchResult = RankProgress & {reachedTarget: boolean};

export type RankSearchOptions = {
	publicKey: Uint8Array;
	target: number;
	/** First counter to try: the `searched` cursor of an earlier search. */
	start?: bigint;
	threads?: number;
	batchSize?: number;
	signal?: AbortSignal;
	onProgress?: (progress: RankProgress) => void;
	progressIntervalMs?: number;
};

/**
 * Start one worker from the file beside this module with the same extension: `.js` from dist/,
 * `.ts` under tsx. On Node 20 tsx registers its loader in the main thread only
 * (privatenumber/tsx#354), so a `.ts` worker first registers tsx itself, then imports its body.
 */
function spawnWorker(publicKey: Uint8Array): Worker {
	const extension = extname(new URL(import.meta.url).pathname);
	const url = new URL(`./rank-worker${extension}`, import.meta.url);
	const workerData = {publicKey: Uint8Array.from(publicKey)};
	if (extension !== '.ts') return new Worker(url, {workerData});
	const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
	const body = JSON.stringify(url.href);
	const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${body}); })`;
	return new Worker(bootstrap, {eval: true, workerData});
}

/**
 * Search nonces for rank ≥ target in worker threads, handing out batches of consecutive counters.
 * Batches finish out of order, so `searched` only advances over a gap-free prefix: resuming from it
 * repeats at most the batches that were in flight and never skips one. Resolves on success or
 * abort (with the best so far); rejects only if a worker fails.
 */
export async function searchRank(options: RankSearchOptions): Promise<RankSearchResult> {
	const {publicKey, target, signal, onProgress} = options;
	const start = options.start ?? 0n;
	const threads = options.threads ?? availableParallelism();
	const batchSize = options.batchSize ?? BATCH_SIZE;
	if (!Number.isInteger(target) || target < 1 || target > MAX_TARGET) {
		throw TornetError.badArgument(`target must be an integer from 1 to ${MAX_TARGET}`);
	}

	if (!Number.isInteger(threads) || threads < 1) {
		throw TornetError.badArgument('threads must be a positive integer');
	}

	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2 ** 32) {
		throw TornetError.badArgument('batch size must be an integer from 1 to 2^32');
	}

	if (start < 0n) throw TornetError.badArgument('start must not be negative');

	// The first counter is the initial best, so a result always carries a real nonce.
	let best = {nonce: nonceFromCounter(start), rank: rankOf(publicKey, nonceFromCounter(start))};
	let searched = start;
	let hashes = 0;
	// The rate is timed from the first finished batch, so thread start-up does not drag it down.
	let firstBatch: {at: number; hashes: number} | undefined;
	const progress = (): RankProgress => {
		let hashesPerSecond = 0;
		if (firstBatch) {
			const seconds = (performance.now() - firstBatch.at) / 1000;
			if (seconds > 0) hashesPerSecond = Math.round((hashes - firstBatch.hashes) / seconds);
		}

		return {hashes, hashesPerSecond, rank: best.rank, nonce: best.nonce, searched};
	};

	const result = (): RankSearchResult => ({...progress(), reachedTarget: best.rank >= target});
	if (best.rank >= target || signal?.aborted) return result();

	return new Promise<RankSearchResult>((resolve, reject) => {
		const workers: Worker[] = [];
		const finishedBatches = new Set<bigint>(); // Beyond the gap-free prefix; a few per thread.
		let next = start;
		let finished = false;

		const finish = (error?: unknown) => {
			if (finished) return;
			finished = true;
			clearInterval(timer);
			signal?.removeEventListener('abort', onAbort);
			void Promise.all(workers.map(async (worker) => worker.terminate())).then(() => {
				if (error === undefined) resolve(result());
				else reject(error instanceof Error ? error : new Error(String(error)));
			}, reject);
		};

		const onAbort = () => {
			finish();
		};

		const dispatch = (worker: Worker) => {
			const batch: RankBatch = {start: next, count: batchSize};
			next += BigInt(batchSize);
			worker.postMessage(batch);
		};

		const onResult = (worker: Worker, batch: RankBatchResult) => {
			if (finished) return;
			hashes += batch.count;
			firstBatch ??= {at: performance.now(), hashes};
			if (batch.bestRank > best.rank) {
				best = {nonce: nonceFromCounter(batch.bestCounter), rank: batch.bestRank};
			}

			finishedBatches.add(batch.start);
			while (finishedBatches.delete(searched)) searched += BigInt(batchSize);
			if (best.rank >= target) finish();
			else dispatch(worker);
		};

		const timer = setInterval(
			() => onProgress?.(progress()),
			options.progressIntervalMs ?? PROGRESS_INTERVAL_MS,
		);
		signal?.addEventListener('abort', onAbort, {once: true});
		for (let index = 0; index < threads; index++) {
			const worker = spawnWorker(publicKey);
			workers.push(worker);
			worker.on('message', (batch: RankBatchResult) => {
				onResult(worker, batch);
			});
			worker.on('error', finish);
			worker.on('exit', (code) => {
				if (!finished) finish(new Error(`a rank worker exited with code ${code}`));
			});
			dispatch(worker);
		}
	});
}
