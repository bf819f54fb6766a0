import type {Writable} from 'node:stream';
import {isTornetError} from '../errors.js';
import {
	keyFilePath,
	loadOrCreateIdentity,
	readKeyFile,
	saveIdentity,
} from '../identity/key-file.js';
import {expectedTries} from '../identity/rank.js';
import {MAX_TARGET, searchRank, type RankProgress} from '../identity/rank-search.js';

const SAVE_INTERVAL_MS = 2000; // A crash loses at most ~2 s of search.
const PLAIN_PROGRESS_INTERVAL_MS = 5000; // A log file gets a line every 5 s, not a redraw.
const BAR_WIDTH = 16;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130; // 128 + SIGINT: what shells report for Ctrl-C.

type Output = Writable & {isTTY?: boolean; columns?: number};

export type RankCommandOptions = {
	dataDir: string;
	target: number;
	threads?: number;
	json: boolean;
	stdout: Output;
	stderr: Output;
	/** Stops the search the way SIGINT does: save, report, exit 130. */
	signal?: AbortSignal;
	/** Listen for SIGINT and SIGTERM while searching (default true). */
	handleSignals?: boolean;
};

/** `tornet rank --target N`: raise this node's rank, resumably. Resolves to the exit code. */
export async function rankCommand(options: RankCommandOptions): Promise<number> {
	const {dataDir, target, json, stdout, stderr} = options;
	if (!Number.isInteger(target) || target < 1 || target > MAX_TARGET) {
		stderr.write(`tornet rank: --target must be an integer from 1 to ${MAX_TARGET}\n`);
		return EXIT_USAGE;
	}

	let loaded: Awaited<ReturnType<typeof readKeyFile>>;
	try {
		loaded = (await readKeyFile(dataDir)) ?? (await loadOrCreateIdentity(dataDir));
	} catch (error) {
		if (!isTornetError(error)) throw error;
		stderr.write(`tornet rank: ${error.message}\n`);
		return 1;
	}

	const {identity} = loaded;
	const began = performance.now();
	let best = {nonce: identity.nonce, rank: identity.rank};
	let cursor = loaded.searched;
	let hashes = 0;
	let hashesPerSecond = 0;
	const summary = (stopped: boolean) => ({
		target,
		rank: best.rank,
		reachedTarget: best.rank >= target,
		nonce: best.nonce.toString('hex'),
		searched: cursor.toString(),
		hashes,
		hashesPerSecond,
		seconds: Math.round(performance.now() - began) / 1000,
		stopped,
		keyFile: keyFilePath(dataDir),
	});

	if (identity.rank >= target) {
		if (json) stdout.write(JSON.stringify(summary(false)) + '\n');
		else
			stdout.write(`rank ${identity.rank} already reaches the target ${target}; nothing to do\n`);
		return 0;
	}

	let saving: Promise<void> = Promise.resolve();
	let saveError: unknown;
	let lastSave = performance.now();
	const save = () => {
		const nonce = best.nonce;
		const rank = best.rank;
		const searched = cursor;
		lastSave = performance.now();
		saving = saving
			.then(async () => saveIdentity(dataDir, {...identity, nonce, rank}, searched))
			.catch((error: unknown) => {
				saveError ??= error;
			});
	};

	const controller = new AbortController();
	let stopped = false;
	const stop = () => {
		stopped = true;
		controller.abort();
	};

	const handleSignals = options.handleSignals ?? true;
	if (handleSignals) {
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	}

	options.signal?.addEventListener('abort', stop, {once: true});
	if (options.signal?.aborted) stop();
	const display = new ProgressDisplay(stderr, target, loaded.searched);
	try {
		const result = await searchRank({
			publicKey: identity.publicKey,
			target,
			start: loaded.searched,
			threads: options.threads,
			signal: controller.signal,
			onProgress(progress) {
				if (progress.rank > best.rank) best = {nonce: progress.nonce, rank: progress.rank};
				cursor = progress.searched;
				if (performance.now() - lastSave >= SAVE_INTERVAL_MS) save();
				display.update(progress);
			},
		});
		if (result.rank > best.rank) best = {nonce: result.nonce, rank: result.rank};
		cursor = result.searched;
		hashes = result.hashes;
		hashesPerSecond = result.hashesPerSecond;
	} finally {
		if (handleSignals) {
			process.off('SIGINT', stop);
			process.off('SIGTERM', stop);
		}

		options.signal?.removeEventListener('abort', stop);
		display.clear();
		save();
		await saving;
	}

	if (saveError !== undefined) {
		stderr.write(`tornet rank: could not save ${keyFilePath(dataDir)}: ${String(saveError)}\n`);
		return 1;
	}

	if (json) {
		stdout.write(JSON.stringify(summary(stopped)) + '\n');
	} else {
		const outcome = best.rank >= target ? 'reached' : 'best so far';
		stdout.write(
			`rank ${best.rank} ${outcome} (target ${target}), nonce ${best.nonce.toString('hex')}\n` +
				`${hashes.toLocaleString('en')} hashes in ${formatDuration((performance.now() - began) / 1000)}` +
				` (${formatRate(hashesPerSecond)}), saved to ${keyFilePath(dataDir)}\n`,
		);
	}

	if (!stopped) return 0;
	stderr.write('stopped; run the same command to resume\n');
	return EXIT_INTERRUPTED;
}

/** One redrawn line on a terminal; a plain line every few seconds anywhere else. */
class ProgressDisplay {
	private readonly stream: Output;
	private readonly target: number;
	private readonly before: bigint;
	private lastPlain = performance.now();
	private drawn = false;

	constructor(stream: Output, target: number, before: bigint) {
		this.stream = stream;
		this.target = target;
		this.before = before;
	}

	update(progress: RankProgress): void {
		if (this.stream.isTTY) {
			const line = this.line(progress, true);
			const width = (this.stream.columns ?? 80) - 1;
			this.stream.write(`\r${line.slice(0, width)}\u001B[K`);
			this.drawn = true;
		} else if (performance.now() - this.lastPlain >= PLAIN_PROGRESS_INTERVAL_MS) {
			this.lastPlain = performance.now();
			this.stream.write(`rank search: ${this.line(progress, false)}\n`);
		}
	}

	clear(): void {
		if (this.drawn) this.stream.write('\r\u001B[K');
		this.drawn = false;
	}

	private line(progress: RankProgress, bar: boolean): string {
		// Earlier runs count: every hash is an independent try at the target.
		const tries = Number(this.before) + progress.hashes;
		const expected = expectedTries(this.target);
		const fraction = tries / expected;
		const filled = Math.min(BAR_WIDTH, Math.floor(fraction * BAR_WIDTH));
		const drawnBar = bar ? `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ` : '';
		// Each hash succeeds with probability 2^-target whatever came before, so past the expected
		// count the honest estimate is "any moment", not a negative time.
		const eta =
			progress.hashesPerSecond === 0
				? 'ETA unknown'
				: tries >= expected
					? 'ETA any moment'
					: `ETA ${formatDuration((expected - tries) / progress.hashesPerSecond)}`;
		return (
			`${drawnBar}${(fraction * 100).toFixed(1)}% of 2^${this.target} tries · ` +
			`${formatRate(progress.hashesPerSecond)} · best ${progress.rank} · ${eta}`
		);
	}
}

function formatRate(hashesPerSecond: number): string {
	if (hashesPerSecond >= 1e6) return `${(hashesPerSecond / 1e6).toFixed(2)} MH/s`;
	if (hashesPerSecond >= 1e3) return `${(hashesPerSecond / 1e3).toFixed(1)} kH/s`;
	return `${hashesPerSecond} H/s`;
}

function formatDuration(seconds: number): string {
	if (!Number.isFinite(seconds)) return 'forever';
	if (seconds < 60) return `${seconds.toFixed(1)} s`;
	const units: Array<[string, number]> = [
		['y', 31_557_600],
		['d', 86_400],
		['h', 3600],
		['min', 60],
		['s', 1],
	];
	const parts: string[] = [];
	let rest = Math.round(seconds);
	for (const [name, size] of units) {
		if (rest >= size || (parts.length > 0 && parts.length < 2)) {
			parts.push(`${Math.floor(rest / size)} ${name}`);
			rest %= size;
		}

		if (parts.length === 2) break;
	}

	return parts.join(' ');
}
