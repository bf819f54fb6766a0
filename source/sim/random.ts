/**
 * Seeded randomness for reproducible simulations: sfc32 (small, fast, passes PractRand) seeded
 * through splitmix32, and a Zipf sampler. Never for keys or nonces.
 */
export class Random {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	constructor(seed: number) {
		let s = seed >>> 0;
		const next = () => {
			s = (s + 0x9e_37_79_b9) >>> 0;
			let z = s;
			z = Math.imul(z ^ (z >>> 16), 0x85_eb_ca_6b);
			z = Math.imul(z ^ (z >>> 13), 0xc2_b2_ae_35);
			return (z ^ (z >>> 16)) >>> 0;
		};

		this.a = next();
		this.b = next();
		this.c = next();
		this.d = next();
		for (let i = 0; i < 12; i++) this.u32();
	}

	u32(): number {
		const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
		this.d = (this.d + 1) >>> 0;
		this.a = this.b ^ (this.b >>> 9);
		this.b = (this.c + (this.c << 3)) >>> 0;
		this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
		this.c = (this.c + t) >>> 0;
		return t;
	}

	/** Uniform in [0, 1). */
	next(): number {
		return this.u32() / 0x1_00_00_00_00;
	}

	/** Uniform integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	bytes(length: number): Buffer {
		const out = Buffer.allocUnsafe(length);
		for (let i = 0; i < length; i += 4) {
			const value = this.u32();
			for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (value >>> (24 - j * 8)) & 0xff;
		}

		return out;
	}

	/** Exponential with the given mean (Poisson arrivals). */
	exponential(mean: number): number {
		return -Math.log(1 - this.next()) * mean;
	}
}

/**
 * Zipf(s) over ranks 0…n-1 (rank 0 most popular): P(r) ∝ 1/(r+1)^s, sampled by binary search in
 * the cumulative table (n floats; built once).
 */
export class Zipf {
	readonly n: number;
	private readonly cumulative: Float64Array;

	constructor(n: number, s: number) {
		this.n = n;
		this.cumulative = new Float64Array(n);
		let total = 0;
		for (let r = 0; r < n; r++) {
			total += 1 / (r + 1) ** s;
			this.cumulative[r] = total;
		}

		for (let r = 0; r < n; r++) this.cumulative[r] /= total;
	}

	/** Probability of rank r. */
	p(r: number): number {
		return r === 0 ? this.cumulative[0] : this.cumulative[r] - this.cumulative[r - 1];
	}

	sample(random: Random): number {
		const u = random.next();
		let lo = 0;
		let hi = this.n - 1;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.cumulative[mid] < u) lo = mid + 1;
			else hi = mid;
		}

		return lo;
	}
}
