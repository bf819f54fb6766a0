import {KeyedLock} from '../chunks/keyed-lock.js';
import {TornetError} from '../errors.js';
import {paymentRequired, type RailName} from './credit-line.js';
import {
	type Account,
	accountKey,
	applyToAccount,
	decodeAccount,
	decodeEvent,
	encodeAccount,
	encodeEvent,
	EVENT_ID_PATTERN,
	type EventKind,
	eventKey,
	indexKey,
	type LedgerEvent,
	newAccount,
	type ServiceReason,
} from './ledger-records.js';
import type {LedgerStore, StoreOp} from './ledger-store.js';
import {type Direction, type Reservation, Reservations} from './reservations.js';

export type EventInput = {
	id: string;
	kind: EventKind;
	amount: bigint;
	reason?: ServiceReason;
	rail?: RailName;
	chunk?: string;
};

export type ApplyOptions = {
	/**
	 * Runs inside the peer's critical section before anything is written: throw to refuse, or
	 * return the amount to apply when it depends on the account (0n applies nothing).
	 */
	check?: (account: Account) => bigint | void;
	/** Extra account changes written in the same batch as the event (cheque records…). */
	patch?: (account: Account) => Account;
};

export type ApplyResult = {applied: boolean; account: Account; event?: LedgerEvent};

export type ReserveRequest = {
	eventId: string;
	amount: bigint;
	direction: Direction;
	/** Most the debtor may owe after this transfer (the line). */
	limit: bigint;
	/** Rails a PAYMENT_REQUIRED refusal offers. */
	rails?: RailName[];
};

export type LedgerOptions = {
	store: LedgerStore;
	now?: () => number;
	maxEventsPerPeer?: number;
	reservationTimeoutMs?: number;
};

/** Accounts kept in memory; more are read back from the store when needed. */
const MAX_CACHED_ACCOUNTS = 65_536;

/**
 * A balance with every peer. Each change is one atomic batch holding the new account, the event
 * that caused it and the event's id in an index, so a crash leaves all or none of them, and an
 * event id applied twice (a retry, a replay after a crash) is a no-op. Changes for one peer run
 * one at a time; reservations (reserve → commit/release) keep concurrent transfers within a line.
 */
export class Ledger {
	readonly reservations = new Reservations();
	private readonly store: LedgerStore;
	private readonly now: () => number;
	private readonly maxEvents: number;
	private readonly timeoutMs: number;
	private readonly lock = new KeyedLock();
	private readonly cache = new Map<string, Account>();

	constructor(options: LedgerOptions) {
		this.store = options.store;
		this.now = options.now ?? Date.now;
		this.maxEvents = options.maxEventsPerPeer ?? 4096;
		this.timeoutMs = options.reservationTimeoutMs ?? 60_000;
	}

	/** The account with a peer (a fresh one, not yet stored, for a peer never seen). */
	async account(peer: string): Promise<Account> {
		const cached = this.cache.get(peer);
		if (cached) return cached;
		const text = await this.store.get(accountKey(peer));
		const account =
			(text === undefined ? undefined : decodeAccount(text)) ?? newAccount(peer, this.now());
		// Another call may have loaded (and changed) it while we waited for the store.
		const raced = this.cache.get(peer);
		if (raced) return raced;
		this.remember(account);
		return account;
	}

	async hasEvent(peer: string, id: string): Promise<boolean> {
		return (await this.store.get(indexKey(peer, id))) !== undefined;
	}

	/** Our record of event `id` with a peer, if we still keep it. */
	async eventById(peer: string, id: string): Promise<LedgerEvent | undefined> {
		const seq = await this.store.get(indexKey(peer, id));
		const text = seq === undefined ? undefined : await this.store.get(eventKey(peer, Number(seq)));
		return text === undefined ? undefined : decodeEvent(text);
	}

	/** Apply an event once: a second call with the same id changes nothing. */
	async apply(peer: string, input: EventInput, options: ApplyOptions = {}): Promise<ApplyResult> {
		if (!EVENT_ID_PATTERN.test(input.id)) throw TornetError.badArgument(`bad event id ${input.id}`);
		if (input.amount < 0n) throw TornetError.badArgument('event amounts are never negative');
		return this.lock.run(peer, async () => {
			const account = await this.account(peer);
			if (await this.hasEvent(peer, input.id)) return {applied: false, account};
			const amount = options.check?.(account) ?? input.amount;
			if (amount < 0n) throw TornetError.badArgument('event amounts are never negative');
			if (amount === 0n && options.check) return {applied: false, account};
			const time = this.now();
			let next = applyToAccount(account, input.kind, amount);
			if (options.patch) next = options.patch(next);
			next.seq = account.seq + 1;
			next.updatedAt = time;
			if (input.kind === 'settled-in' || input.kind === 'settled-out') {
				next.lastSettlement = {
					time,
					rail: input.rail ?? 'cheque',
					amount,
					direction: input.kind === 'settled-in' ? 'in' : 'out',
				};
			}

			const event: LedgerEvent = {
				id: input.id,
				seq: next.seq,
				time,
				kind: input.kind,
				amount,
				balance: next.balance,
				...(input.reason ? {reason: input.reason} : {}),
				...(input.rail ? {rail: input.rail} : {}),
				...(input.chunk ? {chunk: input.chunk} : {}),
			};
			const ops: StoreOp[] = [
				{type: 'put', key: accountKey(peer), value: encodeAccount(next)},
				{type: 'put', key: eventKey(peer, next.seq), value: encodeEvent(event)},
				{type: 'put', key: indexKey(peer, input.id), value: String(next.seq)},
			];
			await this.prune(peer, next.seq, ops);
			await this.store.batch(ops);
			this.remember(next);
			return {applied: true, account: next, event};
		});
	}

	/** Change account fields that no event carries (peer key, rank, cheque serial), atomically. */
	async update(peer: string, patch: (account: Account) => Account): Promise<Account> {
		return this.lock.run(peer, async () => {
			const next = {...patch(await this.account(peer)), updatedAt: this.now()};
			await this.store.batch([{type: 'put', key: accountKey(peer), value: encodeAccount(next)}]);
			this.remember(next);
			return next;
		});
	}

	/**
	 * Hold `amount` against the debtor's line until commit or release. The check and the hold
	 * happen in one synchronous step, so concurrent reservations never add up past the limit.
	 */
	async reserve(peer: string, request: ReserveRequest): Promise<Reservation> {
		if (!EVENT_ID_PATTERN.test(request.eventId))
			throw TornetError.badArgument(`bad event id ${request.eventId}`);
		await this.account(peer);
		// An id already applied would make the commit a no-op: the transfer would be free.
		if (await this.hasEvent(peer, request.eventId))
			throw TornetError.badArgument(`event ${request.eventId} was already applied`);
		const account = await this.account(peer);
		const now = this.now();
		if (this.reservations.hasEvent(peer, request.eventId, now))
			throw TornetError.badArgument(`event ${request.eventId} is already in flight`);
		const debt = request.direction === 'serve' ? account.balance : -account.balance;
		const owed = debt + this.reservations.total(peer, request.direction, now);
		if (owed + request.amount > request.limit) {
			throw paymentRequired({
				owed,
				line: request.limit,
				price: request.amount,
				rails: request.rails ?? [],
			});
		}

		return this.reservations.add(
			{
				peer,
				eventId: request.eventId,
				amount: request.amount,
				direction: request.direction,
				expiresAt: now + this.timeoutMs,
			},
			now,
		);
	}

	/**
	 * Apply a reservation as an event (served for serve, used for use) of at most its amount.
	 * Works after the reservation expired too: the service happened, so the charge stands.
	 */
	async commit(
		reservation: Reservation,
		details: {amount?: bigint; reason?: ServiceReason; chunk?: string} = {},
	): Promise<ApplyResult> {
		const amount = details.amount ?? reservation.amount;
		if (amount > reservation.amount)
			throw TornetError.badArgument('a commit may not exceed its reservation');
		try {
			return await this.apply(reservation.peer, {
				id: reservation.eventId,
				kind: reservation.direction === 'serve' ? 'served' : 'used',
				amount,
				...(details.reason ? {reason: details.reason} : {}),
				...(details.chunk ? {chunk: details.chunk} : {}),
			});
		} finally {
			this.reservations.remove(reservation);
		}
	}

	release(reservation: Reservation): void {
		this.reservations.remove(reservation);
	}

	/** Resolves when one of the peer's reservations ends, or after `timeoutMs` (reservations.ts). */
	async released(peer: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		return this.reservations.changed(peer, this.now(), timeoutMs, signal);
	}

	reserved(peer: string, direction: Direction): bigint {
		return this.reservations.total(peer, direction, this.now());
	}

	/** Events with a peer, oldest first, with seq > `since` (at most `limit`). */
	async events(peer: string, since = 0, limit = 100): Promise<LedgerEvent[]> {
		const events: LedgerEvent[] = [];
		const from = eventKey(peer, since + 1);
		const to = `e!${peer}!~`;
		for await (const [, value] of this.store.range(from, to, limit)) {
			const event = decodeEvent(value);
			if (event) events.push(event);
		}

		return events;
	}

	/** The newest `limit` events with a peer, newest first. */
	async recentEvents(peer: string, limit = 20): Promise<LedgerEvent[]> {
		const account = await this.account(peer);
		const since = Math.max(0, account.seq - limit);
		return (await this.events(peer, since, limit)).reverse();
	}

	/** Every stored account. */
	async accounts(): Promise<Account[]> {
		const accounts = new Map<string, Account>();
		for await (const [, value] of this.store.range('a!', 'a!~')) {
			const account = decodeAccount(value);
			if (account) accounts.set(account.peer, account);
		}

		for (const account of this.cache.values())
			if (account.seq > 0 || account.publicKey) accounts.set(account.peer, account);
		return [...accounts.values()];
	}

	/** Resolves when no change is running (for orderly shutdown and tests). */
	async idle(): Promise<void> {
		await this.lock.idle();
	}

	private async prune(peer: string, seq: number, ops: StoreOp[]): Promise<void> {
		const old = seq - this.maxEvents;
		if (old < 1) return;
		const text = await this.store.get(eventKey(peer, old));
		if (text === undefined) return;
		const event = decodeEvent(text);
		ops.push({type: 'del', key: eventKey(peer, old)});
		if (event) ops.push({type: 'del', key: indexKey(peer, event.id)});
	}

	private remember(account: Account): void {
		this.cache.delete(account.peer);
		this.cache.set(account.peer, account);
		if (this.cache.size <= MAX_CACHED_ACCOUNTS) return;
		for (const peer of this.cache.keys()) {
			if (this.lock.isLocked(peer) || this.reservations.total(peer, 'serve', this.now()) > 0n)
				continue;
			this.cache.delete(peer);
			break;
		}
	}
}
