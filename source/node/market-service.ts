import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {ClassicLevel} from 'classic-level';
import {TornetError} from '../errors.js';
import type {NodeAddress} from '../identity/address.js';
import {idFromHex} from '../identity/id.js';
import type {Identity} from '../identity/keys.js';
import {isRailName} from '../market/credit-line.js';
import {LevelStore} from '../market/ledger-store.js';
import {loadMarketConfig} from '../market/market-config.js';
import type {BitcoinRailOptions} from '../market/rails/bitcoin.js';
import {Market} from '../market/market.js';
import {PeerAddresses, resolvePeerId} from '../market/peer-addresses.js';
import {type MarketLink, peerKey} from '../market/rails/rail.js';
import type {MarketSettings} from '../market/settings.js';
import {registerMarketMethods, rpcLink} from '../market/rpc-methods.js';
import {
	type ChargeOptions,
	type ChunkTransferInfo,
	TransferHooks,
	type TransferTicket,
} from '../market/transfer-hooks.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import type {Endpoint} from '../transport/endpoint.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {
	ledgerReply,
	type LedgerReply,
	lineToUs,
	settleReply,
	type SettleReply,
	type SettlementStateOf,
	usePermille,
} from '../market/ledger-view.js';
import type {AccountView} from '../market/market.js';
import {type AdmitRequest, FEE_TAB_NOTICE, type TagRequest} from '../dht/request-fees.js';
import {ChargedFees} from './charged-fees.js';
import {OwedFees} from './owed-fees.js';
import type {CreditEntry} from './snapshot.js';

/** What the service needs from its node (a TornetNode has all of it). */
export type MarketHost = {
	readonly identity: Identity;
	readonly rpc: Rpc;
	readonly endpoint: Pick<Endpoint, 'connect' | 'connections' | 'on' | 'off'>;
	readonly options: {readonly dataDir: string};
};

export type MarketServiceOptions = {
	/** Override `<data>/market.json` (tests, benchmarks). */
	settings?: Partial<MarketSettings>;
	autoSettleCredits?: bigint;
	/** The Bitcoin rail's address source and node (market.json's `bitcoin`). */
	bitcoin?: BitcoinRailOptions;
	/** Find a peer's address when no connection or remembered address has it (the DHT). */
	resolve?: (peerId: Buffer) => Promise<NodeAddress | undefined>;
	/** Merge each known peer's ledger events once per run, at first contact (default on). */
	reconcile?: boolean;
	now?: () => number;
};

export type ServeHooks = {
	admit(peer: PeerIdentity, request: ChunkTransferInfo): Promise<TransferTicket>;
};
export type FetchHooks = {
	charge(
		peer: PeerIdentity,
		request: ChunkTransferInfo,
		options?: ChargeOptions,
	): Promise<TransferTicket>;
	/** Tags each paid request we send (chunk.meta, lookups) for our own ledger. */
	tagRequest: TagRequest;
};

/** Control methods and what they take: see registerMarketControl. */
export const LEDGER_CONTROL = 'ledger';
export const SETTLE_CONTROL = 'settle';
/** Peers reconciled per run; past that, a peer is reconciled only by `tornet settle`. */
const MAX_RECONCILED = 4096;
/**
 * A peer that connects to us anew (it may have restarted after a crash) is reconciled again, at
 * most this often: otherwise the side that stayed up would keep its view of a half-recorded event
 * until the next `tornet settle`.
 */
const RECONCILE_AGAIN_MS = 60_000;
/** The console's credit pane is refreshed at most this often. */
const CREDIT_REFRESH_MS = 1000;
const MAX_CREDIT_ROWS = 200;
/** A line this full (either way) shows as "due" in the console: the next transfers will need it. */
const DUE_PERMILLE = 900;

/**
 * The market in a running node: the ledger in `<data>/ledger` (classic-level; one process owns
 * it), the market's RPC methods, the hooks chunk transfers call on both sides, and what the
 * control socket answers (`tornet ledger`, `tornet settle`).
 */
export class MarketService {
	readonly market: Market;
	readonly hooks: TransferHooks;
	/** Lookup and request fees we charge peers, and those we owe them (request-fees.ts). */
	readonly charged: ChargedFees;
	readonly owed: OwedFees;
	readonly addresses = new PeerAddresses();
	private readonly host: MarketHost;
	private readonly db: ClassicLevel<string, string>;
	private readonly options: MarketServiceOptions;
	/** Peer → when we last reconciled with it. */
	private readonly reconciled = new Map<string, number>();
	private readonly onConnection = (connection: Connection) => {
		this.rememberConnection(connection);
		this.reconcileOnce(connection.peer, RECONCILE_AGAIN_MS);
	};

	private creditCache: CreditEntry[] = [];
	private creditAt = 0;
	private creditRefresh: Promise<void> | undefined;
	private closed = false;

	static async open(host: MarketHost, options: MarketServiceOptions = {}): Promise<MarketService> {
		const config = await loadMarketConfig(host.options.dataDir);
		const path = join(host.options.dataDir, 'ledger');
		await mkdir(path, {recursive: true, mode: 0o700});
		const db = new ClassicLevel<string, string>(path);
		try {
			await db.open();
		} catch (error) {
			const cause = (error as {cause?: {code?: string}}).cause;
			if (cause?.code === 'LEVEL_LOCKED')
				throw TornetError.badArgument(`the ledger ${path} is open in another process`);
			throw error;
		}

		const settings = {...config.settings, ...options.settings};
		return new MarketService(host, db, {
			...options,
			settings,
			autoSettleCredits: options.autoSettleCredits ?? config.autoSettleCredits,
			...((options.bitcoin ?? config.bitcoin) ? {bitcoin: options.bitcoin ?? config.bitcoin} : {}),
		});
	}

	private constructor(
		host: MarketHost,
		db: ClassicLevel<string, string>,
		options: MarketServiceOptions,
	) {
		this.host = host;
		this.db = db;
		this.options = options;
		this.market = new Market({
			identity: host.identity,
			store: new LevelStore(db),
			...(options.settings ? {settings: options.settings} : {}),
			...(options.now ? {now: options.now} : {}),
			...(options.bitcoin ? {bitcoin: options.bitcoin} : {}),
			connect: async (peerId) => this.linkById(peerId),
			heldFees: (peer) => this.charged.heldFor(peer),
		});
		this.hooks = new TransferHooks({
			market: this.market,
			link: async (peer) => this.linkById(peer.id),
			// By default an automatic settlement may pay up to the line our own rank earns: a cheque
			// is our IOU, and the creditor bounds how many it takes (chequeLimitLines).
			autoSettleCredits: options.autoSettleCredits ?? this.market.lineFor(host.identity.rank),
			...(options.now ? {now: options.now} : {}),
		});
		const now = options.now ? {now: options.now} : {};
		this.charged = new ChargedFees({
			market: this.market,
			notify(connection, body) {
				try {
					host.rpc.notify(connection, FEE_TAB_NOTICE, body);
				} catch {
					// Closed meanwhile: the peer's reconciliation learns the segment instead.
				}
			},
			...now,
		});
		this.owed = new OwedFees({
			hooks: this.hooks,
			reconcile: async (peer) => this.market.reconcile(await this.linkById(peer.id)),
			...now,
		});
		host.rpc.onNotice(FEE_TAB_NOTICE, (body, {connection}) => {
			this.owed.notice(connection.peer, body);
		});
		registerMarketMethods(host.rpc, this.market);
		host.endpoint.on('connection', this.onConnection);
	}

	/** The chunk server's hook: before any byte moves, reserve the price or refuse. */
	readonly admit = async (peer: PeerIdentity, request: ChunkTransferInfo) => {
		this.reconcileOnce(peer);
		return this.hooks.admit(peer, request);
	};

	/** The fetcher's hook: before each GET, reserve the seller's price (settling if need be). */
	readonly charge = async (
		peer: PeerIdentity,
		request: ChunkTransferInfo,
		options: ChargeOptions = {},
	) => {
		this.reconcileOnce(peer);
		return this.hooks.charge(peer, request, options);
	};

	/** The DHT's and chunk.meta's hook: charge a paid request its fee, or refuse it. */
	readonly admitRequest: AdmitRequest = async (connection, kind, tag) => {
		this.reconcileOnce(connection.peer);
		return this.charged.admit(connection, kind, tag);
	};

	/** Tags our own paid requests, so our ledger records what each peer charges. */
	readonly tagRequest: TagRequest = (peer, kind) =>
		this.closed ? undefined : this.owed.tag(peer, kind);

	/**
	 * Write the fees we charged now and tell the peers; then wait for the segments peers told us
	 * of to be recorded (tests; close does it too). A peer's notice still on its way is not waited for.
	 */
	async flushFees(): Promise<void> {
		await this.charged.flush();
		await this.owed.flush();
	}

	serveHooks(): ServeHooks {
		return {admit: this.admit};
	}

	fetchHooks(): FetchHooks {
		return {charge: this.charge, tagRequest: this.tagRequest};
	}

	/** `tornet ledger`: every account, amounts as decimal strings. */
	async ledger(): Promise<LedgerReply> {
		const accounts = await this.market.accounts();
		return ledgerReply(this.market, accounts, (peer) => this.hooks.settlementState(peer));
	}

	/** `tornet settle`: pay what we owe a peer (hex id or unique prefix), over a rail or the default. */
	async settle(params: Record<string, unknown>): Promise<SettleReply> {
		const {peer, rail} = params;
		if (typeof peer !== 'string') throw TornetError.badArgument('settle needs a peer id');
		if (rail !== undefined && (typeof rail !== 'string' || !isRailName(rail)))
			throw TornetError.badArgument(`no rail ${JSON.stringify(rail)} (cheque, bitcoin, allowance)`);
		const known = new Set((await this.market.ledger.accounts()).map((account) => account.peer));
		const id = resolvePeerId(peer, known);
		// Settle what both sides agree on: merge the peer's events first (a lost answer, a cut
		// transfer), unless it cannot answer now; the settlement then says so itself.
		await this.market.reconcile(idFromHex(id)).catch(() => undefined);
		const account = await this.market.account(idFromHex(id));
		if (account.balance >= 0n) return settleReply(id, undefined, account.balance);
		const result = await this.market.settle(idFromHex(id), rail);
		return settleReply(id, result, result.balance);
	}

	/** The console's credit pane (the last figures; refreshed in the background at most 1/s). */
	credit(): CreditEntry[] {
		const now = (this.options.now ?? Date.now)();
		if (!this.closed && !this.creditRefresh && now - this.creditAt >= CREDIT_REFRESH_MS) {
			this.creditAt = now;
			this.creditRefresh = this.market
				.accounts()
				.then((accounts) => {
					this.creditCache = creditEntries(this.market, accounts, (peer) =>
						this.hooks.settlementState(peer),
					);
				})
				.catch(() => undefined)
				.finally(() => {
					this.creditRefresh = undefined;
				});
		}

		return this.creditCache;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.host.endpoint.off('connection', this.onConnection);
		await Promise.all([this.charged.close(), this.owed.close()]);
		await this.creditRefresh;
		await this.market.ledger.idle();
		await this.db.close();
	}

	/** A link to a peer: its open connection, else a remembered or resolved address. */
	private async linkById(peerId: Buffer): Promise<MarketLink> {
		const key = peerKey(peerId);
		// The newest open connection: after the peer restarted, an older one of ours may still look
		// open until its idle timeout while the peer drops its packets.
		let open: Connection | undefined;
		let fallback: Connection | undefined;
		for (const connection of this.host.endpoint.connections()) {
			if (!connection.peer.id.equals(peerId)) continue;
			if (connection.isOpen) open = connection;
			else fallback = connection;
		}

		if (open) {
			this.rememberConnection(open);
			return rpcLink(this.host.rpc, open);
		}

		const address =
			this.addresses.get(key) ??
			(fallback ? addressOf(fallback) : undefined) ??
			(await this.options.resolve?.(peerId));
		if (!address) throw TornetError.notFound(`an address for peer ${key}`);
		const connection = await this.host.endpoint.connect(address);
		this.rememberConnection(connection);
		return rpcLink(this.host.rpc, connection);
	}

	private rememberConnection(connection: Connection): void {
		this.addresses.remember(peerKey(connection.peer.id), addressOf(connection));
	}

	/**
	 * After a crash either side may lack the other's last events: merge them once per run, and
	 * again when the peer connects anew at least `againMs` later.
	 */
	private reconcileOnce(peer: PeerIdentity, againMs = Number.POSITIVE_INFINITY): void {
		if (this.options.reconcile === false || this.closed) return;
		const key = peerKey(peer.id);
		const last = this.reconciled.get(key);
		const now = (this.options.now ?? Date.now)();
		if (last !== undefined && now - last < againMs) return;
		if (last === undefined && this.reconciled.size >= MAX_RECONCILED) return;
		this.reconciled.set(key, now);
		void (async () => {
			const account = await this.market.ledger.account(key);
			if (account.seq === 0) return;
			await this.market.reconcile(await this.linkById(peer.id));
		})().catch(() => {
			// Not again this run (a peer that cannot answer would be asked at every chunk); the next
			// run tries again, and each side's ledger stays consistent in itself meanwhile.
		});
	}
}

/** Accounts as the console's credit pane shows them (numbers are for display only). */
function creditEntries(
	market: Market,
	accounts: AccountView[],
	state: SettlementStateOf,
): CreditEntry[] {
	return accounts.slice(0, MAX_CREDIT_ROWS).map((view) => {
		const last = view.lastSettlement;
		const used = usePermille(view.balance, view.line, lineToUs(market, view.peer));
		return {
			peerIdHex: view.peer,
			balance: Number(view.balance),
			creditLine: Number(view.line),
			settlement: state(view.peer) ?? (used >= DUE_PERMILLE ? 'due' : last ? 'settled' : 'none'),
			rail: last && last.rail !== 'allowance' ? last.rail : null,
		};
	});
}

function addressOf(connection: Connection): NodeAddress {
	return {publicKey: connection.peer.publicKey, host: connection.host, port: connection.port};
}

/** Register `ledger` and `settle` on the node's control socket. */
export function registerMarketControl(
	control: {
		handle(method: string, handler: (params: Record<string, unknown>) => Promise<unknown>): void;
	},
	service: MarketService,
): void {
	control.handle(LEDGER_CONTROL, async () => service.ledger());
	control.handle(SETTLE_CONTROL, async (params) => service.settle(params));
}
