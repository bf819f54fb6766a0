import {paymentRequired, type RailName} from './credit-line.js';
import type {Account} from './ledger-records.js';

/**
 * What all strangers together may owe us. A credit line is per creditor, so an identity that
 * never serves takes one opening line from every node it talks to, and a free rider with a
 * thousand creditors (or a whitewasher with a thousand identities) is paid for by the network
 * line by line. This bounds each node's loss to free riding as a share of its own trade, whatever
 * the number of identities: the unearned credit extended to all strangers together (their debt
 * plus the cheques we hold from them, which are IOUs backed by nothing) may not exceed a floor
 * (one opening line, so a new network can start) plus `strangerSharePermille` of every credit of
 * service we ever sold. BitTorrent's optimistic unchoke gives strangers a fixed share of upload
 * the same way. A stranger is a peer that has served us less than the opening line we give it;
 * past that it trades on its own (earned) line.
 *
 * In memory: the last known exposure of each indebted stranger and the prices of requests in
 * flight, so concurrent requests cannot overspend the budget either. Exposures are refreshed
 * from the ledger whenever a stranger asks again or settles; `load` rebuilds them at start.
 */
export const MAX_TRACKED_STRANGERS = 65_536;

type Stranger = {
	/** Debt plus uncashed cheques, net of anything paid ahead (negative: prepaid). */
	net: bigint;
	/** Prices of its requests in flight. */
	pending: bigint;
};
type Pending = {peer: string; amount: bigint; at: number};

const counted = (stranger: Stranger | undefined): bigint => {
	if (!stranger) return 0n;
	const owed = stranger.net + stranger.pending;
	return owed > 0n ? owed : 0n;
};

export class StrangerBudget {
	private readonly strangers = new Map<string, Stranger>();
	private readonly pending = new Map<string, Pending>();
	private total = 0n;
	private sold = 0n;
	private readonly floor: () => bigint;
	private readonly sharePermille: () => number;
	/** Requests in flight longer than this stop holding the budget (the ledger's timeout). */
	private readonly pendingTimeoutMs: number;
	private readonly now: () => number;

	constructor(
		floor: () => bigint,
		sharePermille: () => number,
		pendingTimeoutMs: number,
		now: () => number,
	) {
		this.floor = floor;
		this.sharePermille = sharePermille;
		this.pendingTimeoutMs = pendingTimeoutMs;
		this.now = now;
	}

	/** What a peer owes us counting its cheques as debt (IOUs backed by nothing); < 0: prepaid. */
	static net(account: Account): bigint {
		return account.balance + account.chequeIn.cumulative - account.chequeOut.cumulative;
	}

	/** The budget now: the floor plus a share of all service sold. */
	limit(): bigint {
		return this.floor() + (this.sold * BigInt(this.sharePermille())) / 1000n;
	}

	/** Unearned credit extended to strangers now, requests in flight included. */
	used(): bigint {
		return this.total;
	}

	/** Rebuild from every account at start; `isStranger` decides per account. */
	load(accounts: Account[], isStranger: (account: Account) => boolean): void {
		this.sold = 0n;
		for (const account of accounts) {
			this.sold += account.sent;
			this.refresh(account, isStranger(account));
		}
	}

	/** Record what the ledger says of a peer now (after a settlement, or when it asks again). */
	refresh(account: Account, stranger: boolean): void {
		const old = this.strangers.get(account.peer);
		const net = stranger ? StrangerBudget.net(account) : 0n;
		const pending = old?.pending ?? 0n;
		this.set(account.peer, old, {net, pending});
	}

	/**
	 * Before serving a stranger: throws PAYMENT_REQUIRED when its request would take the budget
	 * past the limit (unless it paid ahead for it); otherwise holds the price until `done`.
	 */
	admit(account: Account, eventId: string, price: bigint, rails: RailName[]): void {
		this.expire();
		this.refresh(account, true);
		const old = this.strangers.get(account.peer);
		const next = {net: old?.net ?? 0n, pending: (old?.pending ?? 0n) + price};
		const before = counted(old);
		const after = counted(next);
		const others = this.total - before;
		const limit = this.limit();
		const full = !old && this.strangers.size >= MAX_TRACKED_STRANGERS;
		if (after > before && (others + after > limit || full)) {
			const room = limit > others ? limit - others : 0n;
			throw paymentRequired(
				{owed: before, line: room, price, rails},
				`credit for peers that have not served us is used up (${others + before} of ${limit}); pay ahead to be served`,
			);
		}

		this.set(account.peer, old, next);
		this.pending.set(eventId, {peer: account.peer, amount: price, at: this.now()});
	}

	/** A served request ended: `sold` credits were applied (0 when it failed or was released). */
	done(eventId: string, sold: bigint): void {
		this.sold += sold;
		const pending = this.pending.get(eventId);
		if (!pending) return;
		this.pending.delete(eventId);
		const old = this.strangers.get(pending.peer);
		if (!old) return;
		this.set(pending.peer, old, {net: old.net + sold, pending: old.pending - pending.amount});
	}

	private set(peer: string, old: Stranger | undefined, next: Stranger): void {
		this.total += counted(next) - counted(old);
		if (next.net === 0n && next.pending === 0n) this.strangers.delete(peer);
		else this.strangers.set(peer, next);
	}

	private expire(): void {
		const cutoff = this.now() - this.pendingTimeoutMs;
		for (const [eventId, pending] of this.pending) {
			if (pending.at > cutoff) break; // insertion order is time order
			this.done(eventId, 0n);
		}
	}
}
