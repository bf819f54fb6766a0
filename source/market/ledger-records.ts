import {amountFromText} from './amount.js';
import type {RailName} from './credit-line.js';
import {isRailName} from './credit-line.js';

/**
 * What the ledger persists, one JSON record per key (bigints as decimal text):
 *   a!<peer hex>                  → Account
 *   e!<peer hex>!<seq, 12 digits>  → LedgerEvent (the last maxEventsPerPeer per peer)
 *   i!<peer hex>!<event id>        → seq (idempotency: an id applied once is never applied again)
 * Records are our own, but they are decoded totally: a damaged record reads as absent.
 */

/**
 * What an event does to the balance (positive = the peer owes us):
 *   served       we served the peer          balance += amount, sent += amount
 *   used         the peer served us          balance −= amount, received += amount
 *   settled-in   the peer settled with us    balance −= amount
 *   settled-out  we settled with the peer    balance += amount
 * The peer records the mirror of each event under the same id (served ↔ used, in ↔ out).
 */
export type EventKind = 'served' | 'used' | 'settled-in' | 'settled-out';
export const EVENT_KINDS: readonly EventKind[] = ['served', 'used', 'settled-in', 'settled-out'];

/** Why a service event happened: a chunk transfer, a chunk request fee, a lookup fee. */
export type ServiceReason = 'chunk' | 'request' | 'lookup';
export const SERVICE_REASONS: readonly ServiceReason[] = ['chunk', 'request', 'lookup'];

export type LedgerEvent = {
	/** Unique per peer; the same id on both peers' ledgers (≤ 64 printable ASCII). */
	id: string;
	seq: number;
	/** Milliseconds since the epoch (the applying node's clock). */
	time: number;
	kind: EventKind;
	amount: bigint;
	/** For service events. */
	reason?: ServiceReason;
	/** For settlements. */
	rail?: RailName;
	/** Balance after this event. */
	balance: bigint;
	/** Chunk id (hex) for chunk events. */
	chunk?: string;
};

export type Settlement = {time: number; rail: RailName; amount: bigint; direction: 'in' | 'out'};

export type Account = {
	peer: string;
	/** Ed25519 public key (hex), known once the peer connected; cheques verify against it. */
	publicKey?: string;
	rank: number;
	/** Positive: the peer owes us. */
	balance: bigint;
	/** Credits of service we gave the peer / it gave us, ever. */
	sent: bigint;
	received: bigint;
	settledIn: bigint;
	settledOut: bigint;
	/** Highest cheque accepted from the peer: its serial, cumulative amount and bytes (hex). */
	chequeIn: {serial: number; cumulative: bigint; cheque: string};
	/** Highest serial we signed, and the cumulative amount the peer accepted. */
	chequeOut: {serial: number; cumulative: bigint};
	/** Creditor side of the allowance: when we last forgave, and `received` then. */
	allowance: {at: number; received: bigint};
	lastSettlement?: Settlement;
	/** Events applied with this peer (the last one's seq). */
	seq: number;
	/** Highest seq of the peer's own events merged by reconciliation. */
	peerSeq: number;
	updatedAt: number;
};

export const EVENT_ID_PATTERN = /^[\u0021-\u007e]{1,64}$/;

export function newAccount(peer: string, now: number): Account {
	return {
		peer,
		rank: 0,
		balance: 0n,
		sent: 0n,
		received: 0n,
		settledIn: 0n,
		settledOut: 0n,
		chequeIn: {serial: 0, cumulative: 0n, cheque: ''},
		chequeOut: {serial: 0, cumulative: 0n},
		allowance: {at: now, received: 0n},
		seq: 0,
		peerSeq: 0,
		updatedAt: now,
	};
}

/** The effect of an event of `kind` and `amount` on an account (returns a new account). */
export function applyToAccount(account: Account, kind: EventKind, amount: bigint): Account {
	const next = {...account};
	switch (kind) {
		case 'served': {
			next.balance += amount;
			next.sent += amount;
			break;
		}

		case 'used': {
			next.balance -= amount;
			next.received += amount;
			break;
		}

		case 'settled-in': {
			next.balance -= amount;
			next.settledIn += amount;
			break;
		}

		case 'settled-out': {
			next.balance += amount;
			next.settledOut += amount;
			break;
		}
	}

	return next;
}

export function mirrorKind(kind: EventKind): EventKind {
	switch (kind) {
		case 'served': {
			return 'used';
		}

		case 'used': {
			return 'served';
		}

		case 'settled-in': {
			return 'settled-out';
		}

		case 'settled-out': {
			return 'settled-in';
		}
	}
}

export function encodeAccount(account: Account): string {
	return JSON.stringify(account, (_key, value: unknown) =>
		typeof value === 'bigint' ? value.toString() : value,
	);
}

export function decodeAccount(text: string): Account | undefined {
	let raw: Record<string, any>;
	try {
		raw = JSON.parse(text) as Record<string, any>;
	} catch {
		return undefined;
	}

	if (typeof raw !== 'object' || raw === null) return undefined; // `null` parses, then throws below
	const amounts = ['balance', 'sent', 'received', 'settledIn', 'settledOut'] as const;
	const account = {...raw} as Record<string, unknown>;
	for (const name of amounts) {
		const value = amountFromText(raw[name]);
		if (value === undefined) return undefined;
		account[name] = value;
	}

	const chequeIn = raw['chequeIn'] as Record<string, unknown> | undefined;
	const chequeOut = raw['chequeOut'] as Record<string, unknown> | undefined;
	const allowance = raw['allowance'] as Record<string, unknown> | undefined;
	const inCumulative = amountFromText(chequeIn?.['cumulative']);
	const outCumulative = amountFromText(chequeOut?.['cumulative']);
	const allowanceReceived = amountFromText(allowance?.['received']);
	if (
		typeof raw['peer'] !== 'string' ||
		!isCount(raw['rank']) ||
		(raw['rank'] as number) > 255 ||
		!isCount(raw['seq']) ||
		!isCount(raw['peerSeq']) ||
		!isCount(chequeIn?.['serial']) ||
		!isCount(chequeOut?.['serial']) ||
		!isCount(allowance?.['at']) ||
		!isCount(raw['updatedAt']) ||
		inCumulative === undefined ||
		outCumulative === undefined ||
		allowanceReceived === undefined
	)
		return undefined;
	account['chequeIn'] = {...chequeIn, cumulative: inCumulative};
	account['chequeOut'] = {...chequeOut, cumulative: outCumulative};
	account['allowance'] = {...allowance, received: allowanceReceived};
	const last = raw['lastSettlement'] as Record<string, unknown> | undefined;
	if (last) {
		const amount = amountFromText(last['amount']);
		if (amount === undefined || !isCount(last['time'])) return undefined;
		account['lastSettlement'] = {...last, amount};
	}

	return account as Account;
}

export function encodeEvent(event: LedgerEvent): string {
	return JSON.stringify(event, (_key, value: unknown) =>
		typeof value === 'bigint' ? value.toString() : value,
	);
}

export function decodeEvent(text: string): LedgerEvent | undefined {
	let raw: Record<string, unknown>;
	try {
		raw = JSON.parse(text) as Record<string, unknown>;
	} catch {
		return undefined;
	}

	if (typeof raw !== 'object' || raw === null) return undefined; // `null` parses, then throws below
	const amount = amountFromText(raw['amount']);
	const balance = amountFromText(raw['balance']);
	if (
		amount === undefined ||
		balance === undefined ||
		typeof raw['id'] !== 'string' ||
		!isCount(raw['seq']) ||
		!isCount(raw['time']) ||
		!EVENT_KINDS.includes(raw['kind'] as EventKind)
	)
		return undefined;
	if (raw['rail'] !== undefined && !isRailName(String(raw['rail']))) return undefined;
	return {...(raw as unknown as LedgerEvent), amount, balance};
}

export const accountKey = (peer: string) => `a!${peer}`;

/** A whole number JSON can hold exactly (`1e400` parses as Infinity and is refused). */
function isCount(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
export const eventKey = (peer: string, seq: number) => `e!${peer}!${String(seq).padStart(12, '0')}`;
export const indexKey = (peer: string, id: string) => `i!${peer}!${id}`;
