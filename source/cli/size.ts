/** Multipliers for sizes on the command line: SI (kB, MB, GB, TB) and binary (KiB, MiB, GiB, TiB). */
const UNITS: Record<string, number> = {
	'': 1,
	b: 1,
	k: 1e3,
	kb: 1e3,
	m: 1e6,
	mb: 1e6,
	g: 1e9,
	gb: 1e9,
	t: 1e12,
	tb: 1e12,
	kib: 1024,
	mib: 1024 ** 2,
	gib: 1024 ** 3,
	tib: 1024 ** 4,
};

/**
 * "10GB", "512MiB", "2.5 MB", "1e6" → bytes; a rate may end in "/s" ("5MB/s"). Undefined for
 * anything else, so the caller can say which flag was wrong.
 */
export function parseSize(text: string, rate = false): number | undefined {
	const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*(\/s)?\s*$/i.exec(text);
	if (!match) return undefined;
	const [, number, unit, perSecond] = match;
	if (perSecond && !rate) return undefined;
	const multiplier = UNITS[unit!.toLowerCase()];
	if (multiplier === undefined) return undefined;
	const bytes = Math.round(Number(number) * multiplier);
	return Number.isSafeInteger(bytes) ? bytes : undefined;
}
