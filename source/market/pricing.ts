import {TornetError} from '../errors.js';
import {distanceBits, ID_BITS} from '../identity/id.js';
import type {MarketSettings} from './settings.js';

/**
 * Distance pricing, from the original notes: serving B bytes of chunk C from node N costs
 * B × (160 − bitLength(N ⊕ C)) credits, so the unit is
 *
 *   1 credit = 1 byte served 1 distance bit from the chunk's id ("byte-bit").
 *
 * A node holding a chunk at its normal place (its id shares many leading bits with the chunk's)
 * charges most; a cached copy far away is cheap, so downloaders prefer caches and popular data
 * spreads. Amounts are exact bigints; the node's multiplier is an integer in permille and the
 * product rounds up, so a price is never 0 for a nonzero transfer unless the factor is 0.
 */

export type PricingSettings = Pick<
	MarketSettings,
	'multiplierPermille' | 'floorBits' | 'lookupFee' | 'requestFee'
>;

/** 160 − bitLength(node ⊕ chunk), at least `floorBits`: 0 (far) … 160 (the chunk's own id). */
export function distanceFactor(nodeId: Uint8Array, chunkId: Uint8Array, floorBits = 0): number {
	return Math.max(floorBits, ID_BITS - distanceBits(nodeId, chunkId));
}

/** Credits for `bytes` at `factor` distance bits, scaled by the multiplier (rounded up). */
export function priceAt(bytes: number, factor: number, multiplierPermille = 1000): bigint {
	if (!Number.isSafeInteger(bytes) || bytes < 0)
		throw TornetError.badArgument(`byte count ${bytes} is not a safe non-negative integer`);
	if (!Number.isInteger(factor) || factor < 0 || factor > ID_BITS)
		throw TornetError.badArgument(`distance factor ${factor} is outside 0…${ID_BITS}`);
	const base = BigInt(bytes) * BigInt(factor);
	const scaled = base * BigInt(multiplierPermille);
	return (scaled + 999n) / 1000n;
}

/** What node `nodeId` charges for serving `bytes` of chunk `chunkId`. */
export function transferPrice(
	bytes: number,
	nodeId: Uint8Array,
	chunkId: Uint8Array,
	settings: Pick<PricingSettings, 'multiplierPermille' | 'floorBits'>,
): bigint {
	return priceAt(
		bytes,
		distanceFactor(nodeId, chunkId, settings.floorBits),
		settings.multiplierPermille,
	);
}

/** What a chunk request costs the asker: the request fee (found or not) plus the bytes served. */
export function chunkRequestPrice(
	bytes: number,
	nodeId: Uint8Array,
	chunkId: Uint8Array,
	settings: PricingSettings,
): bigint {
	return settings.requestFee + transferPrice(bytes, nodeId, chunkId, settings);
}

/** The flat fee for a request of this kind under `terms` (ours, or a seller's from market.balance). */
export function feeFor(
	kind: 'lookup' | 'request',
	terms: Pick<PricingSettings, 'lookupFee' | 'requestFee'>,
): bigint {
	return kind === 'lookup' ? terms.lookupFee : terms.requestFee;
}
