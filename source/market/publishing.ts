import {TornetError} from '../errors.js';
import {ID_BITS} from '../identity/id.js';
import {paymentRequired} from './credit-line.js';
import {priceAt} from './pricing.js';
import type {MarketSettings} from './settings.js';

/**
 * The original's publishing rules. Chunks are pulled by demand; a publisher may still push a chunk
 * to a node, which stores it only if
 *   1. the publisher's rank is greater than the node's own (publishing takes a larger investment
 *      in one's identity than downloading), and
 *   2. the publisher pays at least what the node would earn in one week from the chunks it must
 *      drop to make room (its least profitable ones: popularity × distance price).
 * Chunk references likewise go only to nodes of lower rank than the advertiser.
 */
export const WEEK_HOURS = 168;

export type StoredChunk = {
	key: string;
	/** bitLength(our id ⊕ chunk id), as the serving policy's ChunkStat has it. */
	distance: number;
	/** Queries per hour (the popularity table's decayed rate). */
	rate: number;
	bytes: number;
	/** Published here at its normal place: never displaced. */
	pinned?: boolean;
};

type PriceSettings = Pick<MarketSettings, 'multiplierPermille' | 'floorBits' | 'requestFee'>;

/** What a stored chunk is expected to earn in a week: rate × 168 h × (fee + bytes × factor). */
export function weeklyEarnings(chunk: StoredChunk, settings: PriceSettings): bigint {
	const factor = Math.max(settings.floorBits, ID_BITS - chunk.distance);
	const perRequest =
		settings.requestFee + priceAt(chunk.bytes, factor, settings.multiplierPermille);
	// The rate is a decayed float: count it in thousandths of a query, rounded up.
	const milliQueries = BigInt(Math.ceil(Math.max(0, chunk.rate) * WEEK_HOURS * 1000));
	return (milliQueries * perRequest + 999n) / 1000n;
}

export type Displacement = {price: bigint; displaced: string[]; fits: boolean};

/**
 * The least profitable chunks (by weekly earnings per byte) that must go for `bytes` to fit, and
 * what they would have earned in a week. `fits` is false when even dropping every unpinned chunk
 * leaves too little room.
 */
export function displacementPrice(
	bytes: number,
	freeBytes: number,
	stored: readonly StoredChunk[],
	settings: PriceSettings,
): Displacement {
	const candidates = stored
		.filter((chunk) => !chunk.pinned)
		.map((chunk) => ({chunk, earnings: weeklyEarnings(chunk, settings)}))
		.sort((a, b) => {
			// earnings per byte, compared exactly: a.e / a.b vs b.e / b.b
			const left = a.earnings * BigInt(Math.max(1, b.chunk.bytes));
			const right = b.earnings * BigInt(Math.max(1, a.chunk.bytes));
			return left < right ? -1 : left > right ? 1 : 0;
		});
	let room = freeBytes;
	let price = 0n;
	const displaced: string[] = [];
	for (const {chunk, earnings} of candidates) {
		if (room >= bytes) break;
		room += chunk.bytes;
		price += earnings;
		displaced.push(chunk.key);
	}

	return {price, displaced, fits: room >= bytes};
}

export type PublishOffer = {publisherRank: number; bytes: number; offered: bigint};
export type PublishState = {
	ownRank: number;
	freeBytes: number;
	stored: readonly StoredChunk[];
	settings: PriceSettings;
	/** Rails a refusal names. */
	rails?: Array<'allowance' | 'cheque' | 'bitcoin'>;
};

export type PublishDecision =
	| {accept: true; price: bigint; displaced: string[]}
	| {accept: false; price?: bigint; error: TornetError};

export function mayPublish(publisherRank: number, ownRank: number): boolean {
	return publisherRank > ownRank;
}

/** Advertising (pushing chunk references) goes only to nodes ranked below the advertiser. */
export function mayAdvertise(advertiserRank: number, targetRank: number): boolean {
	return advertiserRank > targetRank;
}

/** RANK_TOO_LOW unless the publisher outranks us: checked before anything else is looked at. */
export function rankRefusal(publisherRank: number, ownRank: number): TornetError | undefined {
	if (mayPublish(publisherRank, ownRank)) return undefined;
	return new TornetError(
		'RANK_TOO_LOW',
		`publishing here needs a rank above ${ownRank}; the publisher has ${publisherRank}`,
	);
}

export function decidePublish(offer: PublishOffer, state: PublishState): PublishDecision {
	const rank = rankRefusal(offer.publisherRank, state.ownRank);
	if (rank) return {accept: false, error: rank};

	const displacement = displacementPrice(
		offer.bytes,
		state.freeBytes,
		state.stored,
		state.settings,
	);
	if (!displacement.fits) {
		return {
			accept: false,
			error: new TornetError(
				'DISK_FULL',
				`no room for ${offer.bytes} bytes: everything here is pinned`,
			),
		};
	}

	if (offer.offered < displacement.price) {
		return {
			accept: false,
			price: displacement.price,
			error: paymentRequired(
				{owed: 0n, line: 0n, price: displacement.price, rails: state.rails ?? ['cheque']},
				`storing ${offer.bytes} bytes here costs ${displacement.price} credits for a week, ` +
					`${offer.offered} offered`,
			),
		};
	}

	return {accept: true, price: displacement.price, displaced: displacement.displaced};
}
