import {randomBytes} from 'node:crypto';
import type {Job, JobKind} from './snapshot.js';

/** Finished jobs kept for the console and `tornet status` (most recent first). */
const KEEP_FINISHED = 8;
/** Rate is smoothed over about this window, so the ETA does not jump with every slice. */
const RATE_WINDOW_MS = 3000;

export type JobProgress = {doneBytes: number; totalBytes?: number | null; sources?: number};

/**
 * Running and recent publishes and fetches, as the snapshot shows them: progress, a smoothed rate
 * and an ETA. Bounded: running jobs are whatever the operator started; finished ones are capped.
 */
export class JobTracker {
	private readonly running = new Map<string, {job: Job; samples: Array<[number, number]>}>();
	private finished: Job[] = [];
	private readonly now: () => number;

	constructor(now: () => number = Date.now) {
		this.now = now;
	}

	start(kind: JobKind, target: string, outputPath: string | null = null): string {
		const id = randomBytes(4).toString('hex');
		const job: Job = {
			id,
			kind,
			target,
			outputPath,
			state: 'running',
			doneBytes: 0,
			totalBytes: null,
			rateBps: 0,
			sources: 0,
			etaSeconds: null,
			link: null,
			error: null,
		};
		this.running.set(id, {job, samples: [[this.now(), 0]]});
		return id;
	}

	progress(id: string, progress: JobProgress): Job | undefined {
		const entry = this.running.get(id);
		if (!entry) return undefined;
		const {job, samples} = entry;
		const now = this.now();
		job.doneBytes = progress.doneBytes;
		if (progress.totalBytes !== undefined) job.totalBytes = progress.totalBytes;
		if (progress.sources !== undefined) job.sources = progress.sources;
		samples.push([now, job.doneBytes]);
		while (samples.length > 2 && now - samples[1][0] >= RATE_WINDOW_MS) samples.shift();
		const [since, bytesThen] = samples[0];
		const seconds = (now - since) / 1000;
		job.rateBps = seconds > 0 ? Math.max(0, (job.doneBytes - bytesThen) / seconds) : 0;
		job.etaSeconds =
			job.totalBytes !== null && job.rateBps > 0
				? Math.max(0, (job.totalBytes - job.doneBytes) / job.rateBps)
				: null;
		return job;
	}

	finish(id: string, outcome: {link?: string; error?: string}): void {
		const entry = this.running.get(id);
		if (!entry) return;
		this.running.delete(id);
		const {job} = entry;
		job.state = outcome.error === undefined ? 'done' : 'failed';
		job.error = outcome.error ?? null;
		job.link = outcome.link ?? job.link;
		job.etaSeconds = null;
		job.sources = 0;
		if (job.state === 'done' && job.totalBytes !== null) job.doneBytes = job.totalBytes;
		this.finished = [{...job}, ...this.finished].slice(0, KEEP_FINISHED);
	}

	/** Running jobs first (oldest first), then the recent finished ones. */
	list(): Job[] {
		return [...[...this.running.values()].map(({job}) => ({...job})), ...this.finished];
	}
}
