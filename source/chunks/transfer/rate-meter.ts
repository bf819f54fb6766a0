/** Bytes per second over the last WINDOW_MS: what a progress bar shows as the current rate. */
const WINDOW_MS = 3000;
const MAX_SAMPLES = 64;

export class RateMeter {
	private readonly samples: Array<{at: number; total: number}> = [];
	private readonly now: () => number;

	constructor(now: () => number = () => performance.now()) {
		this.now = now;
	}

	/** Records the running total and returns the rate. */
	update(total: number): number {
		const at = this.now();
		this.samples.push({at, total});
		while (
			this.samples.length > MAX_SAMPLES ||
			(this.samples.length > 2 && at - this.samples[1].at >= WINDOW_MS)
		)
			this.samples.shift();
		const first = this.samples[0];
		const seconds = (at - first.at) / 1000;
		return seconds > 0 ? (total - first.total) / seconds : 0;
	}
}
