import {idToHex} from '../identity/id.js';
import type {RailName} from './credit-line.js';
import type {Account} from './ledger-records.js';
import type {AccountView, Market} from './market.js';
import type {SettleResult} from './rails/rail.js';

/**
 * What `tornet ledger` and `tornet settle` receive over the control socket: plain JSON, every
 * credit amount a decimal string (bigint has no JSON form and a double is not exact past 2^53).
 */
export type AccountJson = {
	peer: string;
	rank: number;
	/** Positive: the peer owes us. */
	balance: string;
	/** The line we extend to the peer, and what it has left of it. */
	line: string;
	headroom: string;
	/** The line the peer extends to us (as it last told us, else what our rank earns). */
	lineToUs: string;
	/** Share of the line in use, in permille: the peer's of ours when it owes, ours of its when we owe. */
	usePermille: number;
	sent: string;
	received: string;
	settledIn: string;
	settledOut: string;
	/**
	 * Cumulative cheques: the highest the peer signed to us that we accepted, and the total of
	 * ours it accepted (each must equal the peer's opposite figure; the crash loop checks it).
	 * Optional only so that older readers and literals stay valid; the node always sends them.
	 */
	chequeIn?: string;
	chequeOut?: string;
	reserved: string;
	lastSettlement: {time: number; rail: RailName; amount: string; direction: 'in' | 'out'} | null;
	/** A settlement in flight, or the last automatic one failed. */
	settlement: 'pending' | 'failed' | null;
	events: number;
};

export type LedgerReply = {
	self: {id: string; rank: number; line: string};
	accounts: AccountJson[];
};

export type SettleReply = {
	peer: string;
	/** Null when nothing was owed (nothing was sent). */
	rail: RailName | null;
	amount: string;
	balance: string;
	/** What a person must still do (a BIP21 URI to pay), if anything. */
	pending: string | null;
};

export type SettlementStateOf = (peer: string) => 'pending' | 'failed' | undefined;

export function lineToUs(market: Market, peer: string): bigint {
	return market.linesFromPeers.get(peer) ?? market.lineFor(market.identity.rank);
}

export function usePermille(balance: bigint, line: bigint, toUs: bigint): number {
	const [owed, of] = balance >= 0n ? [balance, line] : [-balance, toUs];
	if (owed === 0n) return 0;
	if (of <= 0n) return 1000;
	return Number((owed * 1000n) / of);
}

export function accountJson(
	market: Market,
	view: AccountView,
	state?: SettlementStateOf,
	cheques?: Pick<Account, 'chequeIn' | 'chequeOut'>,
): AccountJson {
	const toUs = lineToUs(market, view.peer);
	const last = view.lastSettlement;
	return {
		peer: view.peer,
		rank: view.rank,
		balance: String(view.balance),
		line: String(view.line),
		headroom: String(view.headroom),
		lineToUs: String(toUs),
		usePermille: usePermille(view.balance, view.line, toUs),
		sent: String(view.sent),
		received: String(view.received),
		settledIn: String(view.settledIn),
		settledOut: String(view.settledOut),
		...(cheques
			? {
					chequeIn: String(cheques.chequeIn.cumulative),
					chequeOut: String(cheques.chequeOut.cumulative),
				}
			: {}),
		reserved: String(view.reserved),
		lastSettlement: last ? {...last, amount: String(last.amount)} : null,
		settlement: state?.(view.peer) ?? null,
		events: view.events,
	};
}

/** Every account as JSON, with its cheque totals from the ledger's records (cached in memory). */
export async function ledgerReply(
	market: Market,
	accounts: AccountView[],
	state?: SettlementStateOf,
): Promise<LedgerReply> {
	const records = await Promise.all(accounts.map(async (view) => market.ledger.account(view.peer)));
	return {
		self: {
			id: idToHex(market.identity.id),
			rank: market.identity.rank,
			line: String(market.lineFor(market.identity.rank)),
		},
		accounts: accounts.map((view, index) => accountJson(market, view, state, records[index])),
	};
}

export function settleReply(
	peer: string,
	result: SettleResult | undefined,
	balance: bigint,
): SettleReply {
	return {
		peer,
		rail: result?.rail ?? null,
		amount: String(result?.amount ?? 0n),
		balance: String(balance),
		pending: result?.pending ?? null,
	};
}
