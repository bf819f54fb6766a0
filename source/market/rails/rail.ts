import type {Identity} from '../../identity/keys.js';
import type {PeerIdentity} from '../../wire/handshake.js';
import type {RailName} from '../credit-line.js';
import type {Ledger} from '../ledger.js';
import type {LedgerStore} from '../ledger-store.js';
import type {MarketSettings} from '../settings.js';

/**
 * A way to reverse debt between two peers. The debtor calls `settle`; the creditor answers the
 * rail's RPC method in `handle`. Both sides then record the same settlement event (same id), so
 * their ledgers stay mirror images: balance[A][B] + balance[B][A] = 0.
 */
export type MarketLink = {
	readonly peer: PeerIdentity;
	request(method: string, body: Uint8Array): Promise<Buffer>;
};

export type SettleResult = {
	rail: RailName;
	/** Credits of debt reversed now (0 when the rail only started a payment). */
	amount: bigint;
	/** Our balance with the peer afterwards (positive: it owes us). */
	balance: bigint;
	/** What a person must do next, if anything (a BIP21 URI to pay). */
	pending?: string;
};

export type RailContext = {
	readonly identity: Identity;
	readonly ledger: Ledger;
	readonly store: LedgerStore;
	readonly settings: MarketSettings;
	now(): number;
	/** The full line we extend to a peer of this rank. */
	lineFor(rank: number): bigint;
	/** Net uncashed cheques we take from a peer of this rank that gave us `received` of service. */
	chequeLimitFor(rank: number, received: bigint): bigint;
	/** Rails we accept as a creditor, best first. */
	railsOffered(): RailName[];
};

export type SettlementRail = {
	readonly name: RailName;
	/** The RPC methods of the creditor side. */
	readonly methods: readonly string[];
	/** False when the rail cannot run here (the reason is in `disabledReason`). */
	readonly enabled: boolean;
	readonly disabledReason?: string;
	settle(link: MarketLink, amount: bigint): Promise<SettleResult>;
	handle(method: string, body: Buffer, peer: PeerIdentity): Promise<Uint8Array>;
};

export const peerKey = (id: Uint8Array) => Buffer.from(id).toString('hex');
