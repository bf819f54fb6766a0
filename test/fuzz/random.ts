/**
 * A seeded generator (mulberry32) for the fuzzer: the same seed gives the same inputs, so a run
 * can be repeated. Targets that need keys still draw them from the system (handshakes are random
 * by design); their crashing inputs are kept in the corpus, which replays without the seed.
 */
export class Random {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	/** A float in [0, 1). */
	next(): number {
		this.state = (this.state + 0x6d_2b_79_f5) >>> 0;
		let value = this.state;
		value = Math.imul(value ^ (value >>> 15), value | 1);
		value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
		return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
	}

	/** An integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	/** An integer in [min, max]. */
	between(min: number, max: number): number {
		return min + this.int(max - min + 1);
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		return items[this.int(items.length)];
	}

	bytes(length: number): Buffer {
		const out = Buffer.allocUnsafe(length);
		for (let i = 0; i < length; i++) out[i] = this.int(256);
		return out;
	}

	/** A length biased to small values (most bugs sit near a boundary, not at 1,000 bytes). */
	smallLength(max: number): number {
		const roll = this.next();
		if (roll < 0.5) return this.int(Math.min(max, 16) + 1);
		if (roll < 0.85) return this.int(Math.min(max, 256) + 1);
		return this.int(max + 1);
	}
}
