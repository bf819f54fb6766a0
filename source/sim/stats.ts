/** Nearest-rank percentile of an ascending-sorted list (p in 0…1); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil(p * sorted.length) - 1;
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export type GroupStats = {
	lookups: number;
	medianHops: number;
	p99Hops: number;
	meanHops: number;
	/** Share of found chunks found in at most one round (or held by the searcher itself). */
	withinOneHop: number;
	medianMs: number;
	p99Ms: number;
	failureShare: number;
	/** Search bytes per MiB of chunks found. */
	searchBytesPerMB: number;
};

/** Per-lookup records of one run, in parallel typed columns. */
export class LookupRecords {
	readonly rank: Uint32Array;
	readonly found: Uint8Array;
	readonly hops: Uint8Array;
	readonly ms: Float64Array;
	readonly bytes: Float64Array;
	count = 0;

	constructor(capacity: number) {
		this.rank = new Uint32Array(capacity);
		this.found = new Uint8Array(capacity);
		this.hops = new Uint8Array(capacity);
		this.ms = new Float64Array(capacity);
		this.bytes = new Float64Array(capacity);
	}

	summarize(select: (rank: number) => boolean, chunkBytes: number): GroupStats {
		const hops: number[] = [];
		const ms: number[] = [];
		let lookups = 0;
		let failed = 0;
		let bytes = 0;
		for (let i = 0; i < this.count; i++) {
			if (!select(this.rank[i])) continue;
			lookups++;
			bytes += this.bytes[i];
			if (this.found[i] === 0) {
				failed++;
				continue;
			}

			hops.push(this.hops[i]);
			ms.push(this.ms[i]);
		}

		hops.sort((a, b) => a - b);
		ms.sort((a, b) => a - b);
		const foundMB = (hops.length * chunkBytes) / (1 << 20);
		return {
			lookups,
			medianHops: percentile(hops, 0.5),
			p99Hops: percentile(hops, 0.99),
			meanHops:
				hops.length === 0 ? Number.NaN : round(hops.reduce((a, b) => a + b, 0) / hops.length),
			withinOneHop:
				hops.length === 0 ? 0 : round(hops.filter((h) => h <= 1).length / hops.length, 3),
			medianMs: round(percentile(ms, 0.5)),
			p99Ms: round(percentile(ms, 0.99)),
			failureShare: lookups === 0 ? 0 : round(failed / lookups, 5),
			searchBytesPerMB: foundMB === 0 ? Number.NaN : Math.round(bytes / foundMB),
		};
	}
}

export function round(value: number, digits = 2): number {
	const scale = 10 ** digits;
	return Math.round(value * scale) / scale;
}
