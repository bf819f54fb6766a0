import {TornetError} from '../errors.js';
import {idToHex} from '../identity/id.js';
import type {Identity} from '../identity/keys.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {chequeLimit, creditLine, earnedLine, isRailName, type RailName} from './credit-line.js';
import {encodeEventsPage} from './events-page.js';
import {Ledger} from './ledger.js';
import type {Account, LedgerEvent, ServiceReason} from './ledger-records.js';
import type {LedgerStore} from './ledger-store.js';
import {BALANCE_METHOD, EVENTS_METHOD} from './method-names.js';
import {
	decodeBalanceView,
	decodeEvents,
	decodeEventsRequest,
	encodeBalanceView,
	encodeEventsRequest,
	type PriceTerms,
} from './messages.js';
import {chunkRequestPrice, feeFor, transferPrice} from './pricing.js';
import {AllowanceRail} from './rails/allowance.js';
import {BitcoinRail, type BitcoinRailOptions} from './rails/bitcoin.js';
import {ChequeRail} from './rails/cheque.js';
import {
	type MarketLink,
	peerKey,
	type RailContext,
	type SettleResult,
	type SettlementRail,
} from './rails/rail.js';
import {type MergeResult, mergePeerEvents} from './reconcile.js';
import type {Reservation} from './reservations.js';
import {type MarketSettings, marketSettings} from './settings.js';
import {StrangerGate} from './stranger-gate.js';

export {BALANCE_METHOD, EVENTS_METHOD} from './method-names.js';

const MAX_EVENT_PAGES = 64;

export type MarketOptions = {
	identity: Identity;
	store: LedgerStore;
	settings?: Partial<MarketSettings>;
	now?: () => number;
	bitcoin?: BitcoinRailOptions;
	/** How to reach a peer by id (the node dials it), for settle() and reconcile() by id. */
	connect?: (peerId: Buffer) => Promise<MarketLink>;
	/** Fees charged to a peer (by account key) and not yet in the ledger: they hold its line too. */
	heldFees?: (peer: string) => bigint;
};

/** One row of `tornet ledger`: our account with a peer, for people and for --json. */
export type AccountView = {
	peer: string;
	rank: number;
	/** Positive: the peer owes us. */
	balance: bigint;
	/** The line we extend to the peer, and what it still has of it. */
	line: bigint;
	headroom: bigint;
	sent: bigint;
	received: bigint;
	settledIn: bigint;
	settledOut: bigint;
	reserved: bigint;
	lastSettlement?: Account['lastSettlement'];
	events: number;
};

export type TransferRequest = {
	/** Unique per peer, the same on both sides (the fetch protocol names it). */
	eventId: string;
	reason: ServiceReason;
	/** For chunk transfers. */
	chunkId?: Uint8Array;
	bytes?: number;
};

/**
 * The market of one node: prices, the ledger with every peer, credit lines and settlement. The
 * node calls prepareServe/commit around everything it serves and prepareUse/commit around
 * everything it fetches; the console and CLI read accounts() and events() and call settle().
 */
export class Market {
	readonly identity: Identity;
	readonly settings: MarketSettings;
	readonly ledger: Ledger;
	readonly store: LedgerStore;
	readonly rails: ReadonlyMap<RailName, SettlementRail>;
	private readonly now: () => number;
	private readonly connect?: (peerId: Buffer) => Promise<MarketLink>;
	private readonly heldFees: (peer: string) => bigint;
	private readonly methodRails = new Map<string, SettlementRail>();
	/** Lines peers told us they extend to us (market.balance), bounded like the connections. */
	readonly linesFromPeers = new Map<string, bigint>();
	readonly strangers: StrangerGate;

	constructor(options: MarketOptions) {
		this.identity = options.identity;
		this.settings = marketSettings(options.settings);
		this.now = options.now ?? Date.now;
		this.store = options.store;
		this.connect = options.connect;
		this.heldFees = options.heldFees ?? (() => 0n);
		this.ledger = new Ledger({
			store: options.store,
			now: this.now,
			maxEventsPerPeer: this.settings.maxEventsPerPeer,
			reservationTimeoutMs: this.settings.reservationTimeoutMs,
		});
		this.strangers = new StrangerGate(this.ledger, this.settings, this.identity.rank, this.now);
		const context: RailContext = {
			identity: this.identity,
			ledger: this.ledger,
			store: this.store,
			settings: this.settings,
			now: this.now,
			lineFor: (rank) => this.lineFor(rank),
			chequeLimitFor: (rank, received) => chequeLimit(rank, received, this.settings),
			railsOffered: () => this.railsOffered(),
		};
		const rails: SettlementRail[] = [
			new AllowanceRail(context),
			new ChequeRail(context),
			new BitcoinRail(context, options.bitcoin),
		];
		this.rails = new Map(rails.map((rail) => [rail.name, rail]));
		for (const rail of rails) for (const method of rail.methods) this.methodRails.set(method, rail);
	}

	/** Every RPC method this market answers (rpc-methods.ts registers them). */
	get methods(): string[] {
		return [BALANCE_METHOD, EVENTS_METHOD, ...this.methodRails.keys()];
	}

	lineFor(rank: number): bigint {
		return creditLine(rank, this.settings);
	}

	/** Our prices as market.balance tells them to peers (a buyer prices with the seller's terms). */
	priceTerms(): PriceTerms {
		const {multiplierPermille, floorBits, lookupFee, requestFee} = this.settings;
		return {multiplierPermille, floorBits, lookupFee, requestFee};
	}

	railsOffered(): RailName[] {
		return [...this.rails.values()].filter((rail) => rail.enabled).map((rail) => rail.name);
	}

	/** What we charge for a request of this kind (chunk: request fee + distance-priced bytes). */
	price(
		request: Omit<TransferRequest, 'eventId'>,
		holderId: Uint8Array = this.identity.id,
	): bigint {
		if (request.reason === 'lookup' || request.reason === 'request')
			return feeFor(request.reason, this.settings);
		if (request.chunkId === undefined) return this.settings.requestFee;
		return chunkRequestPrice(request.bytes ?? 0, holderId, request.chunkId, this.settings);
	}

	/** Bytes of chunk `chunkId` from `holderId`, priced at our settings (to rank holders by price). */
	transferPrice(bytes: number, holderId: Uint8Array, chunkId: Uint8Array): bigint {
		return transferPrice(bytes, holderId, chunkId, this.settings);
	}

	/**
	 * Serving side, before any byte moves: reserve the price against the peer's line. Throws
	 * PAYMENT_REQUIRED (with the amount owed and our rails) when the line would be exceeded.
	 */
	async prepareServe(peer: PeerIdentity, request: TransferRequest): Promise<Reservation> {
		await this.touch(peer);
		const key = peerKey(peer.id);
		const account = await this.ledger.account(key);
		const amount = this.price(request);
		const rails = this.railsOffered();
		const limit = earnedLine(peer.rank, account.received, this.settings) - this.heldFees(key);
		const reservation = await this.ledger.reserve(key, {
			eventId: request.eventId,
			amount,
			direction: 'serve',
			limit,
			rails,
		});
		try {
			// IOUs do not make a stranger less of a risk: only backed rails can pay past the budget.
			const backed = rails.filter((rail) => rail !== 'cheque');
			await this.strangers.admit(account, request.eventId, amount, backed);
		} catch (error) {
			this.ledger.release(reservation);
			throw error;
		}

		return reservation;
	}

	/**
	 * Using side, before asking: reserve the price against the line the peer extends to us (as it
	 * last told us, else our own line for our rank) so concurrent fetches do not overspend it.
	 */
	async prepareUse(peer: PeerIdentity, eventId: string, amount: bigint): Promise<Reservation> {
		await this.touch(peer);
		const key = peerKey(peer.id);
		return this.ledger.reserve(key, {
			eventId,
			amount,
			direction: 'use',
			limit: this.linesFromPeers.get(key) ?? this.lineFor(this.identity.rank),
		});
	}

	/** Apply a reservation once the transfer happened (at most its amount; less for a partial one). */
	async commit(
		reservation: Reservation,
		details: {amount?: bigint; reason?: ServiceReason; chunkId?: Uint8Array} = {},
	): Promise<Account> {
		let applied = 0n;
		try {
			const result = await this.ledger.commit(reservation, {
				...(details.amount === undefined ? {} : {amount: details.amount}),
				...(details.reason ? {reason: details.reason} : {}),
				...(details.chunkId ? {chunk: idToHex(details.chunkId)} : {}),
			});
			if (result.applied) applied = details.amount ?? reservation.amount;
			return result.account;
		} finally {
			this.strangers.done(reservation, applied);
		}
	}

	release(reservation: Reservation): void {
		this.ledger.release(reservation);
		this.strangers.done(reservation, 0n);
	}

	/**
	 * Settle our debt with a peer. With a rail, over that rail (the peer refuses one it does not
	 * offer). Without one: the allowance first (free), then a cheque for what is left.
	 */
	async settle(peer: Buffer | MarketLink, rail?: RailName, amount?: bigint): Promise<SettleResult> {
		const link = await this.link(peer);
		const key = peerKey(link.peer.id);
		const debt = amount ?? -(await this.ledger.account(key)).balance;
		if (debt <= 0n) throw TornetError.badArgument(`we owe ${idToHex(link.peer.id)} nothing`);
		if (rail) {
			const chosen = this.rails.get(rail);
			if (!chosen) throw TornetError.badArgument(`no rail ${rail}`);
			return chosen.settle(link, debt);
		}

		const offered = (await this.peerView(link)).rails;
		let settled = 0n;
		let last: SettleResult | undefined;
		for (const name of ['allowance', 'cheque'] as const) {
			if (!offered.includes(name) || settled >= debt) continue;
			last = await this.rails.get(name)!.settle(link, debt - settled);
			settled += last.amount;
		}

		if (!last) throw TornetError.notRunning('the peer offers neither allowance nor cheques');
		return {...last, amount: settled};
	}

	/** Ask the peer what it thinks of us (and remember the line it extends to us). */
	async peerView(peer: Buffer | MarketLink) {
		const link = await this.link(peer);
		const view = decodeBalanceView(await link.request(BALANCE_METHOD, Buffer.alloc(0)));
		if (!view) throw TornetError.badMessage('bad market.balance answer');
		this.rememberLine(peerKey(link.peer.id), view.line);
		return view;
	}

	/** Fetch the peer's events we have not merged and apply the ones we lack (reconcile.ts). */
	async reconcile(peer: Buffer | MarketLink, claimLimit?: bigint): Promise<MergeResult> {
		const link = await this.link(peer);
		const key = peerKey(link.peer.id);
		// A claim may be as large as either line: the one we extend to the peer, or the one it
		// extends to us (a higher-ranked buyer may have had more in flight than our line to it).
		const toUs = this.linesFromPeers.get(key) ?? this.lineFor(this.identity.rank);
		const line = this.lineFor(link.peer.rank);
		const limit = claimLimit ?? (toUs > line ? toUs : line);
		const total: MergeResult = {applied: 0, disputed: 0, claimed: 0n, peerSeq: 0};
		for (let page = 0; page < MAX_EVENT_PAGES; page++) {
			const since = (await this.ledger.account(key)).peerSeq;
			const body = await link.request(EVENTS_METHOD, encodeEventsRequest(since, 255));
			const events = decodeEvents(body);
			if (!events) throw TornetError.badMessage('bad market.events answer');
			const result = await mergePeerEvents(this.ledger, key, events, limit - total.claimed);
			total.applied += result.applied;
			total.disputed += result.disputed;
			total.claimed += result.claimed;
			total.peerSeq = result.peerSeq;
			if (events.length === 0 || result.peerSeq <= since) break;
		}

		return total;
	}

	async account(peerId: Buffer): Promise<AccountView> {
		return this.view(await this.ledger.account(peerKey(peerId)));
	}

	/** Every peer we have an account with, largest balance (either sign) first. */
	async accounts(): Promise<AccountView[]> {
		const views = (await this.ledger.accounts()).map((account) => this.view(account));
		const size = (value: bigint) => (value < 0n ? -value : value);
		return views.sort((a, b) =>
			size(b.balance) > size(a.balance) ? 1 : size(b.balance) < size(a.balance) ? -1 : 0,
		);
	}

	/** The newest events, with one peer or with all, newest first. */
	async events(peerId?: Buffer, limit = 50): Promise<Array<LedgerEvent & {peer: string}>> {
		const peers = peerId ? [peerKey(peerId)] : (await this.ledger.accounts()).map((a) => a.peer);
		const all: Array<LedgerEvent & {peer: string}> = [];
		for (const peer of peers)
			for (const event of await this.ledger.recentEvents(peer, limit)) all.push({...event, peer});
		return all.sort((a, b) => b.time - a.time || b.seq - a.seq).slice(0, limit);
	}

	/** The server side of every market method; `peer` is the authenticated connection's identity. */
	async handle(method: string, body: Buffer, peer: PeerIdentity): Promise<Uint8Array> {
		await this.touch(peer);
		const key = peerKey(peer.id);
		if (method === BALANCE_METHOD) {
			const account = await this.ledger.account(key);
			const room =
				chequeLimit(peer.rank, account.received, this.settings) -
				(account.chequeIn.cumulative - account.chequeOut.cumulative);
			return encodeBalanceView({
				balance: account.balance,
				sent: account.sent,
				received: account.received,
				chequeIn: account.chequeIn.cumulative,
				chequeOut: account.chequeOut.cumulative,
				seq: account.seq,
				line: earnedLine(peer.rank, account.received, this.settings),
				chequeRoom: room > 0n ? room : 0n,
				rails: this.railsOffered(),
				terms: this.priceTerms(),
			});
		}

		if (method === EVENTS_METHOD) {
			const request = decodeEventsRequest(body);
			if (!request) throw TornetError.badMessage('bad market.events request');
			const events = await this.ledger.events(key, request.since, Math.min(request.limit, 255));
			return encodeEventsPage(events);
		}

		const rail = this.methodRails.get(method);
		if (!rail) throw TornetError.unknownMethod(method);
		const answer = await rail.handle(method, body, peer);
		await this.strangers.refresh(key);
		return answer;
	}

	/** Record the peer's key and rank with its account (once, and when its rank changes). */
	async touch(peer: PeerIdentity): Promise<void> {
		const key = peerKey(peer.id);
		const account = await this.ledger.account(key);
		const publicKey = peer.publicKey.toString('hex');
		if (account.rank === peer.rank && account.publicKey === publicKey) return;
		await this.ledger.update(key, (current) => ({...current, rank: peer.rank, publicKey}));
	}

	private view(account: Account): AccountView {
		const line = earnedLine(account.rank, account.received, this.settings);
		const reserved = this.ledger.reserved(account.peer, 'serve');
		return {
			peer: account.peer,
			rank: account.rank,
			balance: account.balance,
			line,
			headroom: line - account.balance - reserved,
			sent: account.sent,
			received: account.received,
			settledIn: account.settledIn,
			settledOut: account.settledOut,
			reserved,
			...(account.lastSettlement ? {lastSettlement: account.lastSettlement} : {}),
			events: account.seq,
		};
	}

	private rememberLine(peer: string, line: bigint): void {
		this.linesFromPeers.delete(peer);
		this.linesFromPeers.set(peer, line);
		if (this.linesFromPeers.size > 4096)
			this.linesFromPeers.delete(this.linesFromPeers.keys().next().value!);
	}

	private async link(peer: Buffer | MarketLink): Promise<MarketLink> {
		if (!Buffer.isBuffer(peer)) return peer;
		if (!this.connect) throw TornetError.notRunning('this market cannot dial peers');
		return this.connect(peer);
	}
}

export {isRailName};
