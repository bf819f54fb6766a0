import type {ChunkStore} from '../chunks/chunk-store.js';
import type {NodeAddress} from '../identity/address.js';
import type {Connection} from '../transport/connection.js';
import {forEachLimited} from './content-service.js';
import type {DhtService} from './dht-service.js';
import {offerAtPrice, type OfferContext, type OfferOutcome} from './offer-client.js';

/** Chunks offered at once (each is a lookup, then up to `replicas` offers one after another). */
const REPLICATE_CONCURRENCY = 4;
/** Replicas asked for per chunk at most: the k nodes a lookup returns. */
export const MAX_REPLICAS = 20;
/** Distinct prices a result lists (the lowest); the counts cover them all. */
const MAX_LISTED_PRICES = 8;

export type ReplicateOptions = {
	/** Nodes nearest each chunk's id to offer it to. */
	replicas: number;
	/** Most credits to pay one node for one chunk; none: never pay, only report the prices. */
	maxPrice?: bigint;
	onProgress?: (done: number, total: number) => void;
};

/** What happened to the offers of one publish (amounts as decimal strings: this goes over JSON). */
export type ReplicateResult = {
	offers: number;
	/** Stored by the node now (paid or free), or already held there. */
	accepted: number;
	held: number;
	/** Credits the accepted offers cost, in all. */
	charged: string;
	refusedRank: number;
	/** Refused PAYMENT_REQUIRED: the price was above --max-price (or none was allowed). */
	refusedPrice: number;
	refusedDisk: number;
	/** Unreachable nodes, failed pulls, busy nodes. */
	failed: number;
	/** The lowest distinct prices named by refusals, ascending. */
	prices: string[];
};

export type ReplicateContext = OfferContext & {
	store: ChunkStore;
	dht: DhtService;
	ownId: Buffer;
	dial: (address: NodeAddress) => Promise<Connection>;
};

/**
 * After a publish: offer each chunk to the `replicas` nodes nearest its id (a lookup), at the
 * price each names if it is within `maxPrice`. The chunks stay pinned here either way; replicas
 * only make the content survive this node going away.
 */
export async function replicate(
	context: ReplicateContext,
	ids: readonly Buffer[],
	options: ReplicateOptions,
): Promise<ReplicateResult> {
	const replicas = Math.max(0, Math.min(MAX_REPLICAS, Math.floor(options.replicas)));
	// Counted as they come (a large publish makes thousands of offers; none is kept).
	const tally = new Tally();
	if (replicas > 0) {
		await forEachLimited(
			ids,
			REPLICATE_CONCURRENCY,
			async (id) => {
				const info = await context.store.info(id);
				if (!info) return false;
				const lookup = await context.dht.lookup(id);
				const targets = lookup.closest
					.filter((contact) => !contact.id.equals(context.ownId))
					.slice(0, replicas);
				for (const target of targets) {
					try {
						const connection = await context.dial(target);
						tally.add(await offerAtPrice(context, connection, {id, size: info.size}, options));
					} catch {
						tally.unreachable();
					}
				}

				return true;
			},
			(done) => options.onProgress?.(done, ids.length),
		);
	}

	return tally.result();
}

class Tally {
	private readonly counts: Omit<ReplicateResult, 'charged' | 'prices'> = {
		offers: 0,
		accepted: 0,
		held: 0,
		refusedRank: 0,
		refusedPrice: 0,
		refusedDisk: 0,
		failed: 0,
	};

	private charged = 0n;
	/** The lowest distinct prices seen, ascending (≤ MAX_LISTED_PRICES). */
	private prices: bigint[] = [];

	unreachable(): void {
		this.counts.offers++;
		this.counts.failed++;
	}

	add(outcome: OfferOutcome): void {
		const {counts} = this;
		counts.offers++;
		if (outcome.accepted) {
			counts.accepted++;
			if (outcome.status === 'held') counts.held++;
			this.charged += outcome.charged;
			return;
		}

		const {code} = outcome.error;
		if (code === 'RANK_TOO_LOW') counts.refusedRank++;
		else if (code === 'DISK_FULL') counts.refusedDisk++;
		else if (code === 'PAYMENT_REQUIRED') {
			counts.refusedPrice++;
			if (outcome.price !== undefined) this.notePrice(outcome.price);
		} else counts.failed++;
	}

	result(): ReplicateResult {
		return {...this.counts, charged: String(this.charged), prices: this.prices.map(String)};
	}

	private notePrice(price: bigint): void {
		if (this.prices.includes(price)) return;
		this.prices.push(price);
		this.prices.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		if (this.prices.length > MAX_LISTED_PRICES) this.prices.pop();
	}
}
