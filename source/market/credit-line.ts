import {isTornetError, TornetError} from '../errors.js';
import type {MarketSettings} from './settings.js';

/**
 * Credit lines: a peer may owe us at most `lineBytesPerRank × rank × lineBits` credits, the
 * original's "100 MB × rank" priced at the distance factor of a chunk's normal place (16 bits by
 * default; see docs/economics.md for why not the mean factor). The line belongs to the peer's id
 * (the hash of its public key) in the persisted ledger, so reconnecting changes nothing; a new
 * identity starts with an empty balance but had to pay its proof of work to get a rank.
 */
export type RailName = 'allowance' | 'cheque' | 'bitcoin';
export const RAIL_NAMES: readonly RailName[] = ['allowance', 'cheque', 'bitcoin'];

export function isRailName(value: string): value is RailName {
	return (RAIL_NAMES as readonly string[]).includes(value);
}

export function creditLine(
	rank: number,
	settings: Pick<MarketSettings, 'lineBytesPerRank' | 'lineBits'>,
): bigint {
	if (!Number.isInteger(rank) || rank < 0 || rank > 255)
		throw TornetError.badArgument(`rank ${rank} is outside 0…255`);
	return BigInt(settings.lineBytesPerRank) * BigInt(rank) * BigInt(settings.lineBits);
}

/** A stranger's first line: `openingLinePermille` of the full line for its rank. */
export function openingLine(
	rank: number,
	settings: Pick<MarketSettings, 'lineBytesPerRank' | 'lineBits' | 'openingLinePermille'>,
): bigint {
	return (creditLine(rank, settings) * BigInt(settings.openingLinePermille)) / 1000n;
}

/**
 * The line a peer has now: the opening share of its full line plus every credit of service it
 * gave us, never more than the full line (the full line at once with the default 1000‰).
 */
export function earnedLine(
	rank: number,
	received: bigint,
	settings: Pick<MarketSettings, 'lineBytesPerRank' | 'lineBits' | 'openingLinePermille'>,
): bigint {
	const full = creditLine(rank, settings);
	const earned = openingLine(rank, settings) + received;
	return earned < full ? earned : full;
}

/**
 * Net uncashed cheques we accept from a peer: a bound on what its signature alone buys. A cheque
 * is an IOU backed by nothing but the identity, so it may stand for no more than the trust the
 * peer has earned: `chequeLimitLines` times its current (earned) line. With full lines at once
 * (openingLinePermille = 1000) that is the full line; with earned lines a stranger that signs
 * and never serves gets one opening line of cheques per creditor, not a full line.
 */
export function chequeLimit(
	rank: number,
	received: bigint,
	settings: Pick<
		MarketSettings,
		'lineBytesPerRank' | 'lineBits' | 'openingLinePermille' | 'chequeLimitLines'
	>,
): bigint {
	return earnedLine(rank, received, settings) * BigInt(settings.chequeLimitLines);
}

export type PaymentDetails = {
	/** What the peer owes us now, in-flight reservations included. */
	owed: bigint;
	/** Its line with us. */
	line: bigint;
	/** What the refused request would have cost. */
	price: bigint;
	/** Rails we accept, best first. */
	rails: RailName[];
};

/**
 * PAYMENT_REQUIRED carries its figures inside the message, in a bracketed form that survives the
 * RPC error (code + text ≤ 512 bytes) and the "peer: " prefix a remote error gets:
 *   "owes 12 over a line of 10 [owed=12 line=10 price=3 rails=allowance,cheque]"
 */
export function paymentRequired(details: PaymentDetails, why?: string): TornetError {
	const rails = details.rails.join(',') || 'none';
	const text =
		why ?? `owes ${details.owed} credits over a line of ${details.line}; settle by ${rails}`;
	return new TornetError(
		'PAYMENT_REQUIRED',
		`${text} [owed=${details.owed} line=${details.line} price=${details.price} rails=${rails}]`,
	);
}

const DETAILS = /\[owed=(-?\d{1,40}) line=(\d{1,40}) price=(\d{1,40}) rails=([a-z,]{1,64})]/;

/** The figures of a PAYMENT_REQUIRED error, local or from a peer; undefined for anything else. */
export function paymentDetails(error: unknown): PaymentDetails | undefined {
	if (!isTornetError(error, 'PAYMENT_REQUIRED')) return undefined;
	const match = DETAILS.exec(error.message);
	if (!match) return undefined;
	const rails = match[4] === 'none' ? [] : match[4].split(',');
	if (!rails.every((rail) => isRailName(rail))) return undefined;
	return {
		owed: BigInt(match[1]),
		line: BigInt(match[2]),
		price: BigInt(match[3]),
		rails: rails as RailName[],
	};
}
