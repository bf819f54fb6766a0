/**
 * Token buckets per key (a peer id), in a bounded map: the least recently used key is forgotten
 * first, which only ever gives a forgotten peer a full bucket again.
 */
export class RateLimit {
	private readonly perMinute: number;
	private readonly burst: number;
	private readonly maxKeys: number;
	private readonly buckets = new Map<string, {tokens: number; at: number}>();

	constructor(options: {perMinute: number; burst?: number; maxKeys?: number}) {
		this.perMinute = options.perMinute;
		this.burst = options.burst ?? Math.max(1, Math.ceil(options.perMinute / 6));
		this.maxKeys = options.maxKeys ?? 4096;
	}

	/** Take one token for `key` at time `now` (ms); false when the bucket is empty. */
	take(key: string, now: number): boolean {
		const bucket = this.buckets.get(key) ?? {tokens: this.burst, at: now};
		const refill = ((now - bucket.at) / 60_000) * this.perMinute;
		const tokens = Math.min(this.burst, bucket.tokens + Math.max(0, refill));
		this.buckets.delete(key);
		const allowed = tokens >= 1;
		this.buckets.set(key, {tokens: allowed ? tokens - 1 : tokens, at: now});
		if (this.buckets.size > this.maxKeys) {
			const oldest = this.buckets.keys().next().value;
			if (oldest !== undefined) this.buckets.delete(oldest);
		}

		return allowed;
	}
}
