/**
 * What an observer can measure without keys: per byte position, how far the byte values are from
 * uniform (Shannon entropy, chi-square against uniform, and the share of the most common value),
 * and how packet lengths are distributed. Each figure is compared with the same statistic over
 * random bytes of the same lengths (the baseline), since with N packets even random bytes fall
 * short of 8 bits of entropy.
 */
export type PositionStats = {
	position: number;
	samples: number;
	entropy: number;
	chiSquare: number;
	/** Probability of a chi-square at least this large from uniform bytes (Wilson–Hilferty). */
	p: number;
	/** Share of the most common byte value. */
	topShare: number;
};

export function positionStats(
	packets: readonly Uint8Array[],
	position: number,
	fromEnd = false,
): PositionStats {
	const counts = new Uint32Array(256);
	let samples = 0;
	for (const packet of packets) {
		const index = fromEnd ? packet.length - 1 - position : position;
		if (index < 0 || index >= packet.length) continue;
		counts[packet[index]]++;
		samples++;
	}

	let entropy = 0;
	let chiSquare = 0;
	let top = 0;
	const expected = samples / 256;
	for (const count of counts) {
		if (count > 0) entropy -= (count / samples) * Math.log2(count / samples);
		chiSquare += (count - expected) ** 2 / (expected || 1);
		top = Math.max(top, count);
	}

	return {
		position,
		samples,
		entropy,
		chiSquare,
		p: chiSquareTail(chiSquare, 255),
		topShare: samples ? top / samples : 0,
	};
}

/** P(X ≥ x) for chi-square with k degrees of freedom, by the Wilson–Hilferty cube-root normal. */
export function chiSquareTail(x: number, k: number): number {
	const z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
	return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7). */
function erfc(x: number): number {
	const z = Math.abs(x);
	const t = 1 / (1 + 0.5 * z);
	const r =
		t *
		Math.exp(
			-z * z -
				1.265_512_23 +
				t *
					(1.000_023_68 +
						t *
							(0.374_091_96 +
								t *
									(0.096_784_18 +
										t *
											(-0.186_288_06 +
												t *
													(0.278_868_07 +
														t *
															(-1.135_203_98 +
																t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))),
		);
	return x >= 0 ? r : 2 - r;
}

export type GroupSummary = {
	packets: number;
	/** Positions examined (from the start and from the end) that had at least 32 samples. */
	positions: number;
	minEntropy: number;
	maxChiSquare: number;
	/** Smallest p-value over positions, and how many positions fall below 0.001 / positions. */
	minP: number;
	biasedPositions: number;
	maxTopShare: number;
	lengths: LengthSummary;
};

export type LengthSummary = {
	distinct: number;
	min: number;
	max: number;
	mostCommon: number;
	mostCommonShare: number;
	entropy: number;
};

export function lengthSummary(packets: readonly Uint8Array[]): LengthSummary {
	const counts = new Map<number, number>();
	for (const packet of packets) counts.set(packet.length, (counts.get(packet.length) ?? 0) + 1);
	let mostCommon = 0;
	let top = 0;
	let entropy = 0;
	for (const [length, count] of counts) {
		if (count > top) [mostCommon, top] = [length, count];
		entropy -= (count / packets.length) * Math.log2(count / packets.length);
	}

	const lengths = packets.map((packet) => packet.length);
	return {
		distinct: counts.size,
		min: Math.min(...lengths),
		max: Math.max(...lengths),
		mostCommon,
		mostCommonShare: packets.length ? top / packets.length : 0,
		entropy,
	};
}

/** Positions 0..span-1 from the start and from the end of the packets. */
export function summarize(
	packets: readonly Uint8Array[],
	span = 64,
): GroupSummary & {stats: PositionStats[]} {
	const stats: PositionStats[] = [];
	for (let position = 0; position < span; position++) {
		for (const fromEnd of [false, true]) {
			const result = positionStats(packets, position, fromEnd);
			if (result.samples >= 32)
				stats.push({...result, position: fromEnd ? -1 - position : position});
		}
	}

	const threshold = 0.001 / Math.max(1, stats.length); // Bonferroni over the positions tested
	return {
		packets: packets.length,
		positions: stats.length,
		minEntropy: Math.min(...stats.map((s) => s.entropy)),
		maxChiSquare: Math.max(...stats.map((s) => s.chiSquare)),
		minP: Math.min(...stats.map((s) => s.p)),
		biasedPositions: stats.filter((s) => s.p < threshold).length,
		maxTopShare: Math.max(...stats.map((s) => s.topShare)),
		lengths: lengthSummary(packets),
		stats,
	};
}
