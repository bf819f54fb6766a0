import {randomBytes} from 'node:crypto';
import type {Admission} from '../chunks/transfer/chunk-server.js';
import {isTornetError, TornetError} from '../errors.js';
import {paymentDetails} from '../market/credit-line.js';
import type {Market} from '../market/market.js';
import type {Reservation} from '../market/reservations.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {
	decodeOfferReply,
	encodeOfferRequest,
	OFFER_EVENT_ID_BYTES,
	OFFER_METHOD,
	offerEventId,
} from './offer-messages.js';

/**
 * The node pulls the offered chunk before it answers: a 1 MiB chunk over a slow path, plus the
 * chunk.meta round trip. The request is not retried (an offer is not idempotent on our side).
 */
const OFFER_TIMEOUT_MS = 60_000;
/** Offers in flight at once (each waives one pull): a bound, well above the CLI's concurrency. */
const MAX_WAIVERS = 256;

/** An admission that charges nothing (a pull of a chunk we offered). */
const FREE: Admission = {
	async commit() {
		// Nothing to record: the offer's own event pays for the storage.
	},
	release() {
		// Nothing was reserved.
	},
};

/**
 * The chunks we offered and are waiting to have pulled, per peer: the chunk server serves those
 * pulls free, and the pulling node does not charge itself for them (chunk-offers.ts), so the
 * offer's one event is all either ledger records.
 */
export class OfferWaivers {
	private readonly open = new Map<string, number>();
	/** Offers open per peer (hex id). */
	private readonly peers = new Map<string, number>();

	waives(peer: PeerIdentity, chunkId: Uint8Array): Admission | undefined {
		return this.open.has(waiverKey(peer.id, chunkId)) ? FREE : undefined;
	}

	/**
	 * Whether a chunk.meta from `peer` is free: while we have an offer open with it (the pull
	 * starts with one; chunk.meta does not name which chunk to the fee hook, so any is free then).
	 */
	waivesRequests(peer: PeerIdentity): boolean {
		return this.peers.has(Buffer.from(peer.id).toString('hex'));
	}

	/** Runs `task` with the waiver in place; TOO_MANY_REQUESTS past MAX_WAIVERS. */
	async during<T>(peerId: Buffer, chunkId: Uint8Array, task: () => Promise<T>): Promise<T> {
		if (this.open.size >= MAX_WAIVERS) throw TornetError.tooManyRequests('too many offers open');
		const key = waiverKey(peerId, chunkId);
		const peer = peerId.toString('hex');
		increment(this.open, key, 1);
		increment(this.peers, peer, 1);
		try {
			return await task();
		} finally {
			increment(this.open, key, -1);
			increment(this.peers, peer, -1);
		}
	}
}

function increment(counts: Map<string, number>, key: string, by: number): void {
	const next = (counts.get(key) ?? 0) + by;
	if (next > 0) counts.set(key, next);
	else counts.delete(key);
}

function waiverKey(peerId: Uint8Array, chunkId: Uint8Array): string {
	return `${Buffer.from(peerId).toString('hex')}/${Buffer.from(chunkId).toString('hex')}`;
}

export type OfferOutcome =
	| {accepted: true; status: 'stored' | 'held'; charged: bigint}
	| {accepted: false; error: TornetError; price?: bigint};

export type OfferContext = {
	rpc: Rpc;
	market: Market;
	waivers: OfferWaivers;
};

/**
 * Offers one chunk to the node at the other end of `connection` for `offered` credits. The
 * offer is reserved against the line the node extends to us first, and recorded as a 'used'
 * event (the node's 'served' one, same id) when the node says it charged it. A refusal comes
 * back as the outcome (with the node's price for PAYMENT_REQUIRED), never as a throw.
 */
export async function offerChunk(
	context: OfferContext,
	connection: Connection,
	chunk: {id: Buffer; size: number},
	offered: bigint,
): Promise<OfferOutcome> {
	const {market, rpc, waivers} = context;
	const eventId = randomBytes(OFFER_EVENT_ID_BYTES);
	let reservation: Reservation | undefined;
	try {
		const body = encodeOfferRequest({chunkId: chunk.id, size: chunk.size, offered, eventId});
		if (offered > 0n)
			reservation = await market.prepareUse(connection.peer, offerEventId(eventId), offered);
		const reply = await waivers.during(connection.peer.id, chunk.id, async () =>
			rpc.request(connection, OFFER_METHOD, body, {timeoutMs: OFFER_TIMEOUT_MS}),
		);
		const decoded = decodeOfferReply(reply, offered);
		if (decoded instanceof TornetError) throw decoded;
		if (reservation && decoded.charged > 0n) {
			await market.commit(reservation, {
				amount: decoded.charged,
				reason: 'chunk',
				chunkId: chunk.id,
			});
			reservation = undefined;
		}

		return {accepted: true, ...decoded};
	} catch (error) {
		if (!(error instanceof TornetError)) throw error;
		const price = paymentDetails(error)?.price;
		return {accepted: false, error, ...(price === undefined ? {} : {price})};
	} finally {
		if (reservation) market.release(reservation);
	}
}

export type PriceLimit = {maxPrice?: bigint};

/**
 * Asks with an offer of 0 (a node with free room takes it), and when the node names a price,
 * offers exactly that if it is within `maxPrice` (none: never pay, report the price).
 */
export async function offerAtPrice(
	context: OfferContext,
	connection: Connection,
	chunk: {id: Buffer; size: number},
	limit: PriceLimit,
): Promise<OfferOutcome> {
	const first = await offerChunk(context, connection, chunk, 0n);
	if (first.accepted || !isTornetError(first.error, 'PAYMENT_REQUIRED')) return first;
	const {price} = first;
	if (price === undefined || limit.maxPrice === undefined || price > limit.maxPrice) return first;
	return offerChunk(context, connection, chunk, price);
}
