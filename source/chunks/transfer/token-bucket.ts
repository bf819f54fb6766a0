/**
 * One upload budget in bytes per second shared by every stream a server sends on. The rate is read
 * from a getter at every decision, so a settings change applies at once; 0 means unlimited.
 *
 * Debt model: a taker is granted as soon as the bucket is not in debt and may take more than it
 * holds (a whole 16 KiB piece); the next taker waits until the debt is paid back at the rate. Takers
 * are served in order (FIFO), so streams share the budget fairly piece by piece. Unused budget
 * accumulates only up to BURST_SECONDS, so an idle server cannot save up for a flood.
 */
const BURST_SECONDS = 0.05;
/** A waiter re-reads the rate at least this often, so a raised (or lifted) cap applies at once. */
const MAX_WAIT_MS = 100;

type Waiter = {bytes: number; resolve: () => void};

export class TokenBucket {
	private readonly rate: () => number;
	private readonly now: () => number;
	private tokens = 0;
	private last: number;
	private readonly queue: Waiter[] = [];
	private timer: NodeJS.Timeout | undefined;

	constructor(rate: () => number, now: () => number = () => performance.now()) {
		this.rate = rate;
		this.now = now;
		this.last = now();
	}

	/** Resolves when `bytes` may be sent. */
	async take(bytes: number): Promise<void> {
		if (this.queue.length === 0 && this.tryTake(bytes)) return;
		return new Promise((resolve) => {
			this.queue.push({bytes, resolve});
			this.schedule();
		});
	}

	/** Drops every waiter's claim (resolving them), e.g. when the server closes. */
	flush(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		for (const waiter of this.queue.splice(0)) waiter.resolve();
	}

	get waiting(): number {
		return this.queue.length;
	}

	private refill(rate: number): void {
		const now = this.now();
		this.tokens = Math.min(rate * BURST_SECONDS, this.tokens + ((now - this.last) / 1000) * rate);
		this.last = now;
	}

	private tryTake(bytes: number): boolean {
		const rate = this.rate();
		if (!(rate > 0)) {
			this.tokens = 0;
			this.last = this.now();
			return true;
		}

		this.refill(rate);
		if (this.tokens < 0) return false;
		this.tokens -= bytes;
		return true;
	}

	private schedule(): void {
		if (this.timer) return;
		while (this.queue.length > 0 && this.tryTake(this.queue[0].bytes))
			this.queue.shift()!.resolve();
		if (this.queue.length === 0) return;
		const rate = this.rate();
		const waitMs = Math.min(MAX_WAIT_MS, Math.max(1, (-this.tokens / rate) * 1000));
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.schedule();
		}, waitMs);
	}
}
