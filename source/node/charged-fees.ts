import {randomBytes} from 'node:crypto';
import {
	encodeTabNotice,
	type FeeKind,
	type FeeTag,
	segmentEventId,
	TAB_ID_BYTES,
	TAB_REQUESTS,
} from '../dht/request-fees.js';
import {TornetError} from '../errors.js';
import {earnedLine, paymentRequired} from '../market/credit-line.js';
import type {Market} from '../market/market.js';
import {feeFor} from '../market/pricing.js';
import {peerKey} from '../market/rails/rail.js';
import type {Connection} from '../transport/connection.js';

/**
 * A segment is written once no fee joined it for this long: a peer asking now and then gets one
 * event per request ~0.1 s later, a peer asking many at once one per up to 64.
 */
export const SEGMENT_IDLE_MS = 100;
/** …and at this age however busy the peer is, so fees reach the ledger within about a second. */
export const SEGMENT_MAX_MS = 1000;
/** A place charged once may be asked again this often for free: the RPC layer's one resend. */
const FREE_REPEATS = 1;
/** Tabs remembered (their places guard against replays), least recently used forgotten first. */
const MAX_TABS = 16_384;
/** Open segments per peer; past it the oldest is written early (an honest asker has ~2). */
const MAX_OPEN_PER_PEER = 16;
/** Segment writes waiting for the ledger (~1 s of synced writes) before new segments are refused. */
const MAX_WRITES = 1024;

type Segment = {count: number; amount: bigint; openedAt: number; lastAt: number};

type Tab = {
	slot: string;
	key: string;
	kind: FeeKind;
	tab: Buffer;
	/** The connection the last fee came over: the notice goes back on it. */
	connection: Connection;
	/** Places charged, one bit each, and the free repeats each had. */
	seen: bigint;
	repeats?: Uint8Array;
	/** Next segment number, and the segment taking fees now. */
	segment: number;
	open?: Segment;
	/** Our own tab for a peer's untagged requests (no notice: the peer cannot know its id). */
	untagged: boolean;
	nextPlace: number;
};

export type ChargedFeesStats = {
	/** Fees charged (free resends not counted). */
	charged: number;
	/** Requests refused: PAYMENT_REQUIRED, a replayed place, or too many writes waiting. */
	refused: number;
	/** Ledger events written for segments, and writes that failed (the ledger closed). */
	segmentsWritten: number;
	writesFailed: number;
};

export type ChargedFeesOptions = {
	market: Market;
	/** Tells the peer a segment was written (the `fee.tab` notice); best effort. */
	notify: (connection: Connection, body: Buffer) => void;
	now?: () => number;
};

/**
 * The serving side of request fees (dht/request-fees.ts): every paid request a peer sends is
 * charged our fee into the segment open on its tab, or refused with PAYMENT_REQUIRED when its debt,
 * its transfers in flight and its fees not yet written would pass its line. A segment is one
 * `served` event (reason lookup or request), written when idle, full or a second old; the peer is
 * then told, and records the same event. Fees not yet written hold the peer's line for transfers
 * too (Market heldFees).
 */
export class ChargedFees {
	readonly stats: ChargedFeesStats = {charged: 0, refused: 0, segmentsWritten: 0, writesFailed: 0};
	private readonly market: Market;
	private readonly notify: ChargedFeesOptions['notify'];
	private readonly now: () => number;
	private readonly tabs = new Map<string, Tab>();
	private readonly opened = new Set<Tab>();
	private readonly openPerPeer = new Map<string, number>();
	private readonly held = new Map<string, bigint>();
	private readonly writes = new Set<Promise<void>>();
	private timer: NodeJS.Timeout | undefined;
	private closed = false;

	constructor(options: ChargedFeesOptions) {
		this.market = options.market;
		this.notify = options.notify;
		this.now = options.now ?? Date.now;
	}

	/** Fees charged to a peer (account key) that are not in the ledger yet. */
	heldFor(key: string): bigint {
		return this.held.get(key) ?? 0n;
	}

	/** Charge `kind`'s fee for one request (a resent place once), or throw the refusal. */
	admit = async (connection: Connection, kind: FeeKind, tag: FeeTag | undefined): Promise<void> => {
		const {settings, ledger} = this.market;
		const fee = feeFor(kind, settings);
		if (fee === 0n) return;
		const {peer} = connection;
		const key = peerKey(peer.id);
		const slot = `${key}!${kind}!${tag ? tag.tab.toString('hex') : '-'}`;
		// A tab we forgot may still be in the ledger: its places were charged long ago.
		const old =
			tag && !this.tabs.has(slot)
				? await ledger.hasEvent(key, segmentEventId(kind, tag.tab, 0))
				: false;
		const account = await ledger.account(key);
		// From here on nothing waits: the checks and the charge are one step.
		let tab = this.tabs.get(slot);
		if (tag && ((tab && tab.seen & (1n << BigInt(tag.seq))) || (!tab && old))) {
			const repeats = tab ? (tab.repeats ??= new Uint8Array(TAB_REQUESTS)) : undefined;
			if (repeats && repeats[tag.seq] < FREE_REPEATS) {
				repeats[tag.seq]++;
				return;
			}

			return this.refuse(new TornetError('REPLAYED', `fee tag place ${tag.seq} was charged`));
		}

		if (!tab?.open && this.writes.size >= MAX_WRITES)
			return this.refuse(TornetError.tooManyRequests('fee segments waiting for the ledger'));
		const line = earnedLine(peer.rank, account.received, settings);
		const owed = account.balance + ledger.reserved(key, 'serve') + this.heldFor(key);
		if (owed + fee > line)
			return this.refuse(
				paymentRequired({owed, line, price: fee, rails: this.market.railsOffered()}),
			);

		tab ??= this.remember(slot, key, kind, connection, tag);
		tab.connection = connection;
		const place = tag ? tag.seq : tab.nextPlace++;
		tab.seen |= 1n << BigInt(place);
		const now = this.now();
		if (!tab.open) this.openSegment(tab, now);
		tab.open!.count++;
		tab.open!.amount += fee;
		tab.open!.lastAt = now;
		this.held.set(key, this.heldFor(key) + fee);
		this.stats.charged++;
		// A full tab takes no more places: its last segment is complete.
		if (tab.seen === (1n << BigInt(TAB_REQUESTS)) - 1n || tab.nextPlace >= TAB_REQUESTS)
			this.closeSegment(tab);
	};

	/** Write every open segment now (tests, shutdown); resolves when all writes ended. */
	async flush(): Promise<void> {
		for (const tab of [...this.opened]) this.closeSegment(tab);
		while (this.writes.size > 0) await Promise.all(this.writes);
	}

	async close(): Promise<void> {
		this.closed = true;
		clearTimeout(this.timer);
		await this.flush();
	}

	private refuse(error: TornetError): never {
		this.stats.refused++;
		throw error;
	}

	private remember(
		slot: string,
		key: string,
		kind: FeeKind,
		connection: Connection,
		tag: FeeTag | undefined,
	): Tab {
		if (this.tabs.size >= MAX_TABS) {
			const oldest = this.tabs.values().next().value!;
			this.closeSegment(oldest);
			this.tabs.delete(oldest.slot);
		}

		const tab: Tab = {
			slot,
			key,
			kind,
			tab: tag ? Buffer.from(tag.tab) : randomBytes(TAB_ID_BYTES),
			connection,
			seen: 0n,
			segment: 0,
			untagged: !tag,
			nextPlace: 0,
		};
		this.tabs.set(slot, tab);
		return tab;
	}

	private openSegment(tab: Tab, now: number): void {
		const open = this.openPerPeer.get(tab.key) ?? 0;
		if (open >= MAX_OPEN_PER_PEER) {
			for (const other of this.opened) {
				if (other.key !== tab.key) continue;
				this.closeSegment(other);
				break;
			}
		}

		tab.open = {count: 0, amount: 0n, openedAt: now, lastAt: now};
		this.opened.add(tab);
		this.openPerPeer.set(tab.key, (this.openPerPeer.get(tab.key) ?? 0) + 1);
		if (!this.timer && !this.closed) this.schedule();
	}

	private closeSegment(tab: Tab): void {
		const segment = tab.open;
		if (!segment) return;
		tab.open = undefined;
		this.opened.delete(tab);
		const open = (this.openPerPeer.get(tab.key) ?? 1) - 1;
		if (open > 0) this.openPerPeer.set(tab.key, open);
		else this.openPerPeer.delete(tab.key);
		const number = tab.segment++;
		// Our own tab for untagged requests starts afresh once its places are used up.
		if (tab.untagged && tab.nextPlace >= TAB_REQUESTS) this.tabs.delete(tab.slot);
		const write = this.write(tab, number, segment).finally(() => this.writes.delete(write));
		this.writes.add(write);
	}

	private async write(tab: Tab, number: number, segment: Segment): Promise<void> {
		const id = segmentEventId(tab.kind, tab.tab, number);
		try {
			await this.market.touch(tab.connection.peer);
			const input = {id, kind: 'served', amount: segment.amount, reason: tab.kind} as const;
			await this.market.ledger.apply(tab.key, input);
			this.stats.segmentsWritten++;
			// We record first, then the peer (as for settlements): a lost notice is recovered by
			// reconciliation, which takes our event as the peer's debt.
			if (!tab.untagged && tab.connection.isOpen) {
				const notice = {kind: tab.kind, tab: tab.tab, segment: number, count: segment.count};
				this.notify(tab.connection, encodeTabNotice(notice));
			}
		} catch {
			// Only a ledger closed under us gets here; the fees are lost to both sides alike.
			this.stats.writesFailed++;
		} finally {
			const left = this.heldFor(tab.key) - segment.amount;
			if (left > 0n) this.held.set(tab.key, left);
			else this.held.delete(tab.key);
		}
	}

	private schedule(): void {
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.sweep();
		}, SEGMENT_IDLE_MS / 2);
		this.timer.unref();
	}

	private sweep(): void {
		const now = this.now();
		for (const tab of [...this.opened]) {
			const {open} = tab;
			if (open && (now - open.lastAt >= SEGMENT_IDLE_MS || now - open.openedAt >= SEGMENT_MAX_MS))
				this.closeSegment(tab);
		}

		if (this.opened.size > 0 && !this.closed) this.schedule();
	}
}
