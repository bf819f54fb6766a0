import {TornetError} from '../errors.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {paymentDetails, paymentRequired, type RailName} from './credit-line.js';
import type {Market} from './market.js';
import type {PriceTerms} from './messages.js';
import {chunkRequestPrice} from './pricing.js';
import {type MarketLink, peerKey, type SettleResult} from './rails/rail.js';
import type {Reservation} from './reservations.js';
import {reserveWaiting} from './reserve-wait.js';

/** What the chunk transfer tells the market about one GET (source/chunks/transfer/protocol.ts). */
export type ChunkTransferInfo = {chunkId: Buffer; eventId: Buffer; bytes: number};

/**
 * A reserved charge: commit with the bytes that moved, or release when nothing was delivered.
 * On the fetching side, `refused` is told the holder's own refusal (after release): true when a
 * settlement followed, so asking the holder again makes sense.
 */
export type TransferTicket = {
	commit(bytes: number): Promise<void>;
	release(): void;
	refused?(error: unknown): Promise<boolean>;
};

/** How long a transfer waits for the peer's transfers in flight to make room in its line. */
export type ChargeOptions = {signal?: AbortSignal};

/** The transfer protocol's event id length; the ledger's id is "chunk-" + its hex. */
export const TRANSFER_EVENT_ID_BYTES = 16;
/** A seller's terms are asked again after this long (they change when its operator edits them). */
const TERMS_TTL_MS = 10 * 60_000;
/** After a failed automatic settlement with a peer, do not try again for this long. */
const SETTLE_BACKOFF_MS = 30_000;
const MAX_PEERS_TRACKED = 4096;
/**
 * A serving side waits at most this long for its own transfers in flight with a peer to end
 * before refusing a request the debt leaves room for (the fetcher's commit can run ahead of ours,
 * which waits for the store's synced write). Short: the request holds a stream slot meanwhile.
 */
const SERVE_WAIT_MS = 5_000;

export function transferEventId(eventId: Uint8Array): string {
	if (eventId.length !== TRANSFER_EVENT_ID_BYTES)
		throw TornetError.badArgument(`a transfer event id has ${TRANSFER_EVENT_ID_BYTES} bytes`);
	return `chunk-${Buffer.from(eventId).toString('hex')}`;
}

export type TransferHooksOptions = {
	market: Market;
	/** A link to the peer (over its open connection) for market.balance and settlements. */
	link: (peer: PeerIdentity) => Promise<MarketLink>;
	/** Most one automatic settlement may pay (0: never). */
	autoSettleCredits: bigint;
	now?: () => number;
};

/**
 * The market around chunk transfers, for both sides of a GET. Both sides name the transfer
 * `chunk-<event id>` and price it with the seller's terms, so each complete transfer is one event
 * of the same amount in both ledgers.
 *
 * A transfer is charged all or nothing beyond its request fee: complete (every requested byte
 * moved) costs the full price, anything less costs the request fee alone, and a refusal before
 * the first byte costs nothing (release). Proportional charging would make the two sides disagree
 * on every broken transfer (the seller counts bytes written, the buyer bytes verified, and the
 * bytes in flight differ); this way they disagree only when a stream breaks after the seller's
 * last write, and a seller that stalls mid-chunk is not paid for the slices it did send.
 */
export class TransferHooks {
	readonly market: Market;
	private readonly link: (peer: PeerIdentity) => Promise<MarketLink>;
	private readonly autoSettleCredits: bigint;
	private readonly now: () => number;
	private readonly terms = new Map<string, {terms: PriceTerms; rails: RailName[]; at: number}>();
	private readonly asking = new Map<string, Promise<PriceTerms>>();
	private readonly settling = new Map<string, Promise<SettleResult | undefined>>();
	private readonly failedAt = new Map<string, number>();

	constructor(options: TransferHooksOptions) {
		this.market = options.market;
		this.link = options.link;
		this.autoSettleCredits = options.autoSettleCredits;
		this.now = options.now ?? Date.now;
	}

	/** Serving side, before any byte moves: reserve the price or refuse (PAYMENT_REQUIRED…). */
	admit = async (peer: PeerIdentity, request: ChunkTransferInfo): Promise<TransferTicket> => {
		const transfer = {
			eventId: transferEventId(request.eventId),
			reason: 'chunk' as const,
			chunkId: request.chunkId,
			bytes: request.bytes,
		};
		const reservation = await reserveWaiting(async () => this.market.prepareServe(peer, transfer), {
			ledger: this.market.ledger,
			peer: peerKey(peer.id),
			direction: 'serve',
			price: this.market.price(transfer),
			until: this.now() + SERVE_WAIT_MS,
			now: this.now,
		});
		return this.ticket(reservation, request, this.market.settings.requestFee);
	};

	/**
	 * Fetching side, before asking: reserve the seller's price against the line it extends to us.
	 * While only our own transfers in flight fill the line, wait for them (a fetch reads ahead more
	 * than a line may hold). When our debt fills it, settle automatically (allowance, then a
	 * cheque) if the debt is within autoSettleCredits, and try again.
	 */
	charge = async (
		peer: PeerIdentity,
		request: ChunkTransferInfo,
		options: ChargeOptions = {},
	): Promise<TransferTicket> => {
		const terms = await this.termsOf(peer);
		const price = chunkRequestPrice(request.bytes, peer.id, request.chunkId, terms);
		const eventId = transferEventId(request.eventId);
		const reserve = async () =>
			reserveWaiting(async () => this.market.prepareUse(peer, eventId, price), {
				ledger: this.market.ledger,
				peer: peerKey(peer.id),
				direction: 'use',
				price,
				until: this.now() + this.market.settings.reservationTimeoutMs,
				now: this.now,
				...(options.signal ? {signal: options.signal} : {}),
			});
		let reservation: Reservation;
		try {
			reservation = await reserve();
		} catch (error) {
			if (!(await this.settleAfterRefusal(peer, error))) throw this.withRails(peer, error);
			reservation = await reserve().catch((again: unknown) => {
				throw this.withRails(peer, again);
			});
		}

		return {
			...this.ticket(reservation, request, terms.requestFee),
			refused: async (error) => this.settleAfterRefusal(peer, error, {reconcile: true}),
		};
	};

	/**
	 * A peer (or our own guard) asked for payment: settle our debt with it if policy allows.
	 * True when something was settled, so one retry makes sense. Concurrent refusals from one
	 * peer share one settlement.
	 */
	async settleAfterRefusal(
		peer: PeerIdentity,
		error: unknown,
		options: {reconcile?: boolean} = {},
	): Promise<boolean> {
		if (!paymentDetails(error) || this.autoSettleCredits <= 0n) return false;
		const key = peerKey(peer.id);
		const failed = this.failedAt.get(key);
		if (failed !== undefined && this.now() - failed < SETTLE_BACKOFF_MS) return false;
		let running = this.settling.get(key);
		if (!running) {
			running = this.settleDebt(peer, options.reconcile ?? false).finally(() =>
				this.settling.delete(key),
			);
			this.settling.set(key, running);
		}

		const result = await running;
		return result !== undefined && result.amount > 0n;
	}

	/** Our own guard's refusal names no rails: add the ones the peer told us it accepts. */
	private withRails(peer: PeerIdentity, error: unknown): unknown {
		const details = paymentDetails(error);
		const rails = this.terms.get(peerKey(peer.id))?.rails;
		if (!details || details.rails.length > 0 || !rails) return error;
		return paymentRequired({...details, rails});
	}

	/** Peers with a settlement in flight, and those whose last automatic one failed. */
	settlementState(peer: string): 'pending' | 'failed' | undefined {
		if (this.settling.has(peer)) return 'pending';
		return this.failedAt.has(peer) ? 'failed' : undefined;
	}

	/**
	 * Pay our debt with the peer. With `reconcile` (the peer itself refused us), merge its events
	 * first: it may count a transfer we saw cut short in full (reconcile.ts), and what it refuses
	 * over is its count, not ours.
	 */
	private async settleDebt(
		peer: PeerIdentity,
		reconcile: boolean,
	): Promise<SettleResult | undefined> {
		const key = peerKey(peer.id);
		const within = async () => {
			const debt = -(await this.market.ledger.account(key)).balance;
			return debt > 0n && debt <= this.autoSettleCredits;
		};

		if (!reconcile && !(await within())) return undefined;
		try {
			const link = await this.link(peer);
			if (reconcile) await this.market.reconcile(link);
			if (!(await within())) return undefined;
			const result = await this.market.settle(link);
			this.failedAt.delete(key);
			// The settlement asked the peer for its view (the line is fresh); ask for its terms again
			// at the next transfer, but keep its rails for the refusals until then (withRails).
			const known = this.terms.get(key);
			if (known) known.at = Number.NEGATIVE_INFINITY;
			return result;
		} catch {
			// The refusal the caller holds says why it cannot proceed; this failure only delays the
			// next attempt (a peer that takes no more cheques should not be asked at every chunk).
			remember(this.failedAt, key, this.now());
			return undefined;
		}
	}

	private ticket(
		reservation: Reservation,
		request: ChunkTransferInfo,
		fee: bigint,
	): TransferTicket {
		const requestFee = fee < reservation.amount ? fee : reservation.amount;
		let open = true;
		return {
			commit: async (bytes) => {
				if (!open) return;
				open = false;
				const complete = Number.isFinite(bytes) && bytes >= request.bytes;
				await this.market.commit(reservation, {
					amount: complete ? reservation.amount : requestFee,
					reason: 'chunk',
					chunkId: request.chunkId,
				});
			},
			release: () => {
				if (!open) return;
				open = false;
				this.market.release(reservation);
			},
		};
	}

	/**
	 * The seller's price terms (market.balance), cached; our own when it cannot tell us. The node's
	 * request fees price our side of a fee tab with them too.
	 */
	async termsOf(peer: PeerIdentity): Promise<PriceTerms> {
		const key = peerKey(peer.id);
		const known = this.terms.get(key);
		if (known && this.now() - known.at < TERMS_TTL_MS) return known.terms;
		let asking = this.asking.get(key);
		if (!asking) {
			asking = this.askTerms(peer).finally(() => this.asking.delete(key));
			this.asking.set(key, asking);
		}

		return asking;
	}

	private async askTerms(peer: PeerIdentity): Promise<PriceTerms> {
		const key = peerKey(peer.id);
		try {
			const view = await this.market.peerView(await this.link(peer));
			if (view.terms) {
				remember(this.terms, key, {terms: view.terms, rails: view.rails, at: this.now()});
				return view.terms;
			}
		} catch {
			// A peer that cannot answer now is priced at our terms for this transfer only.
		}

		return this.market.priceTerms();
	}
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
	map.delete(key);
	map.set(key, value);
	if (map.size > MAX_PEERS_TRACKED) map.delete(map.keys().next().value!);
}
