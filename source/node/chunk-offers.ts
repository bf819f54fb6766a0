import type {ChunkStore} from '../chunks/chunk-store.js';
import {keyOf} from '../chunks/pull-cache.js';
import {diskCost} from '../chunks/store-layout.js';
import {fetchChunk} from '../chunks/transfer/fetch-chunk.js';
import {fetchMeta} from '../chunks/transfer/fetch-meta.js';
import {FetchSession} from '../chunks/transfer/fetch-session.js';
import {TornetError} from '../errors.js';
import {distanceBits} from '../identity/id.js';
import {earnedLine} from '../market/credit-line.js';
import type {Market} from '../market/market.js';
import {
	decidePublish,
	rankRefusal,
	type PublishState,
	type StoredChunk,
} from '../market/publishing.js';
import {peerKey} from '../market/rails/rail.js';
import type {Reservation} from '../market/reservations.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import {
	decodeOfferRequest,
	encodeOfferReply,
	OFFER_METHOD,
	offerEventId,
	type OfferRequest,
} from './offer-messages.js';

/** Offers being pulled at once: each holds a chunk's worth of disk and a stream to its publisher. */
const MAX_PULLS = 4;
/**
 * The list of held chunks an offer is priced against is rebuilt at most this often: it walks
 * every chunk we hold, work a peer ranked above us could otherwise ask for at its sending rate.
 */
const STORED_LIST_MS = 1000;

/** What the serving side needs from its node. */
export type OfferServerHost = {
	readonly identity: {readonly id: Buffer; readonly rank: number};
	readonly rpc: Rpc;
	readonly store: ChunkStore;
	/** The store's in-memory view (StoreHoldings): what is held, its size, whether pinned. */
	readonly holdings: {
		keys(): Iterable<string>;
		has(key: string): boolean;
		bytes(key: string): number;
		pinned(key: string): boolean;
	};
	/** A held chunk's query rate per hour (the pull cache's popularity table). */
	rateOf(key: string): number;
	readonly market: () => Market;
	/** A chunk was stored for an offer (the node announces it, as after a fetch). */
	readonly onStored?: (chunkId: Buffer) => void;
};

/**
 * The serving side of chunk.offer (offer-messages.ts): the original's publishing rule in the
 * node. A publisher ranked above us that pays at least what our least profitable unpinned chunks
 * would earn in a week gets its chunk stored: we drop those chunks, pull the offered one from the
 * publisher over the ordinary chunk transfer (verified slice by slice), keep it as a cached copy
 * (unpinned: later it competes for disk like any other), and only then charge the offer as one
 * ledger event. Refusals happen before anything is written or reserved.
 */
export class OfferServer {
	private readonly host: OfferServerHost;
	/** Chunk keys being pulled now (≤ MAX_PULLS). */
	private readonly pulling = new Set<string>();
	private storedList?: {at: number; stored: StoredChunk[]};

	constructor(host: OfferServerHost) {
		this.host = host;
	}

	register(): void {
		this.host.rpc.register(OFFER_METHOD, async (body, {connection}) => {
			const request = decodeOfferRequest(body);
			if (request instanceof TornetError) throw request;
			return encodeOfferReply(await this.handle(connection, request));
		});
	}

	/** What our store and prices say about storing `bytes` more (publishing.ts's inputs). */
	publishState(): PublishState {
		const {store, holdings, identity} = this.host;
		const market = this.host.market();
		const now = Date.now();
		const cached = this.storedList && now - this.storedList.at < STORED_LIST_MS;
		const stored: StoredChunk[] = cached ? this.storedList!.stored : [];
		for (const key of cached ? [] : holdings.keys()) {
			stored.push({
				key,
				distance: distanceBits(identity.id, Buffer.from(key, 'latin1')),
				rate: this.host.rateOf(key),
				bytes: holdings.bytes(key),
				pinned: holdings.pinned(key),
			});
		}

		if (!cached) this.storedList = {at: now, stored};
		return {
			ownRank: identity.rank,
			freeBytes: Math.max(0, store.diskBytes - store.usedBytes),
			stored,
			settings: market.settings,
			rails: market.railsOffered(),
		};
	}

	private async handle(
		connection: Connection,
		request: OfferRequest,
	): Promise<{status: 'stored' | 'held'; charged: bigint}> {
		const {peer} = connection;
		const {identity, store, holdings} = this.host;
		const offer = {
			publisherRank: peer.rank,
			bytes: diskCost(request.size),
			offered: request.offered,
		};
		// The rank comes first, before our store is even looked at.
		const rank = rankRefusal(peer.rank, identity.rank);
		if (rank) throw rank;

		const key = keyOf(request.chunkId);
		if (holdings.has(key)) return {status: 'held', charged: 0n};
		if (this.pulling.has(key) || this.pulling.size >= MAX_PULLS)
			throw TornetError.tooManyRequests('offers are being pulled; offer again later');
		const decision = decidePublish(offer, this.publishState());
		if (!decision.accept) throw decision.error;

		this.pulling.add(key);
		let reservation: Reservation | undefined;
		try {
			reservation = await this.reserve(connection, request);
			// The displaced chunks go now, so the pull lands where the decision priced it (the
			// store's own eviction would pick by recency instead).
			this.storedList = undefined; // the store changes now
			for (const displaced of decision.displaced)
				await store.dropCached(Buffer.from(displaced, 'latin1'));
			await this.pull(connection, request);
			if (reservation) {
				const held = reservation;
				reservation = undefined;
				await this.host.market().commit(held, {reason: 'chunk', chunkId: request.chunkId});
			}

			this.host.onStored?.(request.chunkId);
			return {status: 'stored', charged: request.offered};
		} finally {
			if (reservation) this.host.market().release(reservation);
			this.pulling.delete(key);
		}
	}

	/**
	 * Holds the offer against the publisher's credit line and, for a stranger, the budget all
	 * strangers share (as Market.prepareServe does for a transfer); nothing for a free offer.
	 */
	private async reserve(
		connection: Connection,
		request: OfferRequest,
	): Promise<Reservation | undefined> {
		if (request.offered === 0n) return undefined;
		const market = this.host.market();
		const {peer} = connection;
		await market.touch(peer);
		const key = peerKey(peer.id);
		const account = await market.ledger.account(key);
		const eventId = offerEventId(request.eventId);
		const rails = market.railsOffered();
		const reservation = await market.ledger.reserve(key, {
			eventId,
			amount: request.offered,
			direction: 'serve',
			limit: earnedLine(peer.rank, account.received, market.settings),
			rails,
		});
		try {
			const backed = rails.filter((rail) => rail !== 'cheque');
			await market.strangers.admit(account, eventId, request.offered, backed);
		} catch (error) {
			market.release(reservation);
			throw error;
		}

		return reservation;
	}

	/** The chunk from its publisher, over the connection the offer came on, verified into the store. */
	private async pull(connection: Connection, request: OfferRequest): Promise<void> {
		const {store, rpc} = this.host;
		// Neither a transfer charge nor a request fee: the publisher waives both for a chunk it
		// offered us (OfferWaivers), so the offer's event is all either ledger records.
		const session = new FetchSession({rpc});
		const sources = [{peerId: connection.peer.id, connect: async () => connection}];
		const meta = await fetchMeta(store, request.chunkId, sources, session);
		if (meta.size !== request.size)
			throw TornetError.badArgument(`offered ${request.size} bytes, the chunk has ${meta.size}`);
		await fetchChunk(store, meta, sources, session);
		if (!(await store.has(request.chunkId)))
			throw TornetError.notFound(`chunk ${request.chunkId.toString('hex')} after the pull`);
	}
}
