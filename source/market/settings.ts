import {TornetError} from '../errors.js';

/**
 * A node's market settings. Amounts are credits (see pricing.ts: one credit is one byte served
 * one distance bit from its chunk's id).
 */
export type MarketSettings = {
	/** Our prices are multiplied by this / 1000 (an integer, so prices stay exact). */
	multiplierPermille: number;
	/**
	 * Smallest distance factor charged. The original formula gives 0 whenever the top bit of
	 * N ⊕ C is set, which is half of all (node, chunk) pairs: those bytes would be free and a far
	 * cache would earn nothing. 1 keeps every byte paid; 0 reproduces the formula exactly.
	 */
	floorBits: number;
	/** Charged for every lookup request we answer (FIND_NODE, FIND_CHUNK), found or not. */
	lookupFee: bigint;
	/** Charged for every chunk request, including requests for chunks we do not hold. */
	requestFee: bigint;
	/** The original's "100 MB × rank": bytes of line per rank bit (decimal MB). */
	lineBytesPerRank: number;
	/** Distance bits those bytes are priced at to turn them into credits (see economics.md). */
	lineBits: number;
	/**
	 * A stranger's line starts at this share (‰) of the full line and grows by every credit of
	 * service it gives us, up to the full line. 1000 is the original: the full line at once.
	 */
	openingLinePermille: number;
	/**
	 * All strangers together (peers that served us less than their opening line) may owe us at
	 * most one opening line at our rank plus this share (‰) of all service we ever sold; their
	 * uncashed cheques count as debt (stranger-budget.ts). 1000 turns the bound off.
	 */
	strangerSharePermille: number;
	/** Uncashed cheques accepted from one peer, net of ours to it, in lines of that peer. */
	chequeLimitLines: number;
	/** Credits per second of debt each creditor forgives a debtor (pseudosettle). */
	allowancePerSecond: bigint;
	/**
	 * Forgive a debtor at most what it served us since its last allowance, so only peers that
	 * serve get the allowance; a pure downloader gets its line and nothing more.
	 */
	allowanceReciprocal: boolean;
	/** A reservation not applied or released by then stops holding the line. */
	reservationTimeoutMs: number;
	/** Events kept per peer: idempotency and reconciliation reach back this far. */
	maxEventsPerPeer: number;
	/** Cheques verified per peer per minute (a signature check is work a peer can ask of us). */
	chequesPerMinute: number;
	/** Bitcoin: satoshis asked per million credits (0: we do not sell for bitcoin). */
	satsPerMegacredit: number;
};

export const DEFAULT_MARKET_SETTINGS: Readonly<MarketSettings> = {
	multiplierPermille: 1000,
	floorBits: 1,
	lookupFee: 16_384n, // 1 KiB at 16 distance bits: a request and its reply are ~0.5 KB
	requestFee: 16_384n,
	lineBytesPerRank: 100_000_000,
	lineBits: 16, // the factor of a chunk's normal place in a ~1M-node network (economics.md)
	openingLinePermille: 50,
	strangerSharePermille: 30,
	chequeLimitLines: 1,
	allowancePerSecond: 262_144n, // 16 KiB/s at 16 bits: a rank-20 line refills in ~34 h
	allowanceReciprocal: true,
	reservationTimeoutMs: 60_000,
	maxEventsPerPeer: 4096,
	chequesPerMinute: 30,
	satsPerMegacredit: 0,
};

export function marketSettings(change: Partial<MarketSettings> = {}): MarketSettings {
	const settings = {...DEFAULT_MARKET_SETTINGS, ...change};
	const integer = (name: keyof MarketSettings, min: number, max: number) => {
		const value = settings[name];
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
			throw TornetError.badArgument(
				`market setting ${name} must be an integer from ${min} to ${max}`,
			);
	};

	const credits = (name: keyof MarketSettings) => {
		const value = settings[name];
		if (typeof value !== 'bigint' || value < 0n || value >= 1n << 64n)
			throw TornetError.badArgument(`market setting ${name} must be a credit amount below 2^64`);
	};

	integer('multiplierPermille', 0, 1_000_000);
	integer('floorBits', 0, 160);
	integer('lineBytesPerRank', 0, 1e15);
	integer('lineBits', 0, 160);
	integer('openingLinePermille', 0, 1000);
	integer('strangerSharePermille', 0, 1000);
	integer('chequeLimitLines', 0, 1000);
	integer('reservationTimeoutMs', 1, 86_400_000);
	integer('maxEventsPerPeer', 1, 1_000_000);
	integer('chequesPerMinute', 1, 6000);
	if (
		typeof settings.satsPerMegacredit !== 'number' ||
		!Number.isFinite(settings.satsPerMegacredit) ||
		settings.satsPerMegacredit < 0
	)
		throw TornetError.badArgument('market setting satsPerMegacredit must be a number ≥ 0');
	credits('lookupFee');
	credits('requestFee');
	credits('allowancePerSecond');
	if (typeof settings.allowanceReciprocal !== 'boolean')
		throw TornetError.badArgument('market setting allowanceReciprocal must be a boolean');
	return settings;
}
