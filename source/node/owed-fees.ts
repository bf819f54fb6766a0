import {randomBytes} from 'node:crypto';
import {
	decodeTabNotice,
	type FeeKind,
	type FeeTicket,
	segmentEventId,
	TAB_ID_BYTES,
	TAB_REQUESTS,
} from '../dht/request-fees.js';
import {paymentDetails} from '../market/credit-line.js';
import {feeFor} from '../market/pricing.js';
import {peerKey} from '../market/rails/rail.js';
import type {TransferHooks} from '../market/transfer-hooks.js';
import type {PeerIdentity} from '../wire/handshake.js';

/**
 * New requests go on a tab for this long at most. A responder remembers a tab's places far longer
 * (charged-fees.ts), so a resend within the RPC layer's 2 s is charged once.
 */
export const TAB_USE_MS = 1000;
/**
 * A tab's notices are awaited this long. Answers that no notice covered by then mean a notice was
 * lost: reconciliation (market.events) brings the responder's events in instead.
 */
export const TAB_FORGET_MS = 30_000;
const SWEEP_MS = 1000;
const MAX_TABS = 16_384;
/** A peer is reconciled for lost notices at most this often (one that never sends any, too). */
const RECONCILE_EVERY_MS = 10 * 60_000;
const MAX_PEERS_TRACKED = 4096;

type Tab = {
	peer: PeerIdentity;
	key: string;
	kind: FeeKind;
	tab: Buffer;
	/** Places handed out, answers received, fees the responder's notices covered. */
	next: number;
	answered: number;
	notified: number;
	openedAt: number;
};

export type OwedFeesStats = {
	tagged: number;
	answered: number;
	/** Segments recorded on the responder's word, and notices for tabs we do not know. */
	segmentsWritten: number;
	strayNotices: number;
	writesFailed: number;
	reconciles: number;
};

export type OwedFeesOptions = {
	hooks: TransferHooks;
	/** Merge the peer's ledger events into ours (a notice was lost); best effort. */
	reconcile: (peer: PeerIdentity) => Promise<unknown>;
	now?: () => number;
};

/**
 * The asking side of request fees (dht/request-fees.ts): tags our paid requests to a peer with a
 * tab and a place and, when the peer's `fee.tab` notice says it wrote a segment, records the same
 * event as `used`, priced with the peer's terms (market.balance). The notice is believed for no
 * more fees than we sent places on that tab. A refusal for payment starts an automatic settlement
 * with that peer, as a refused transfer does.
 */
export class OwedFees {
	readonly stats: OwedFeesStats = {
		tagged: 0,
		answered: 0,
		segmentsWritten: 0,
		strayNotices: 0,
		writesFailed: 0,
		reconciles: 0,
	};

	private readonly hooks: TransferHooks;
	private readonly reconcile: OwedFeesOptions['reconcile'];
	private readonly now: () => number;
	/** The tab taking places per `<peer key>!<kind>`. */
	private readonly current = new Map<string, Tab>();
	/** Every tab whose notices we still take, by `<peer key>!<kind>!<tab hex>`, oldest first. */
	private readonly tabs = new Map<string, Tab>();
	private readonly writes = new Set<Promise<void>>();
	private readonly reconciledAt = new Map<string, number>();
	private timer: NodeJS.Timeout | undefined;

	constructor(options: OwedFeesOptions) {
		this.hooks = options.hooks;
		this.reconcile = options.reconcile;
		this.now = options.now ?? Date.now;
	}

	/** A tag for one request to `peer`; `end` it once with whether the peer answered. */
	tag = (peer: PeerIdentity, kind: FeeKind): FeeTicket => {
		const key = peerKey(peer.id);
		const now = this.now();
		let tab = this.current.get(`${key}!${kind}`);
		if (!tab || tab.next >= TAB_REQUESTS || now - tab.openedAt >= TAB_USE_MS) {
			tab = {
				peer,
				key,
				kind,
				tab: randomBytes(TAB_ID_BYTES),
				next: 0,
				answered: 0,
				notified: 0,
				openedAt: now,
			};
			this.current.set(`${key}!${kind}`, tab);
			this.tabs.set(slotOf(key, kind, tab.tab), tab);
			if (this.tabs.size > MAX_TABS) this.forget(this.tabs.values().next().value!);
			this.timer ??= setInterval(() => {
				this.sweep();
			}, SWEEP_MS).unref();
		}

		const open = tab;
		const seq = open.next++;
		this.stats.tagged++;
		let ended = false;
		return {
			tag: {tab: open.tab, seq},
			end: (answered, error) => {
				if (ended) return;
				ended = true;
				if (answered) {
					open.answered++;
					this.stats.answered++;
				} else if (paymentDetails(error)) {
					// The request is not retried (a lookup asks others meanwhile); settling makes the
					// next one welcome, if policy allows (TransferHooks.settleAfterRefusal).
					void this.hooks
						.settleAfterRefusal(open.peer, error, {reconcile: true})
						.catch(() => false);
				}
			},
		};
	};

	/** A `fee.tab` notice from `peer`: record the segment it wrote, as far as we sent for it. */
	notice = (peer: PeerIdentity, body: Uint8Array): void => {
		const segment = decodeTabNotice(body);
		const tab = segment && this.tabs.get(slotOf(peerKey(peer.id), segment.kind, segment.tab));
		if (!segment || !tab) {
			this.stats.strayNotices++;
			return;
		}

		const count = Math.min(segment.count, tab.next - tab.notified);
		if (count <= 0) return;
		tab.notified += count;
		const id = segmentEventId(tab.kind, tab.tab, segment.segment);
		const write = this.record(tab, id, count).finally(() => this.writes.delete(write));
		this.writes.add(write);
	};

	/** Resolves when every segment noticed so far is recorded (tests, shutdown). */
	async flush(): Promise<void> {
		while (this.writes.size > 0) await Promise.all(this.writes);
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.flush();
	}

	private async record(tab: Tab, id: string, count: number): Promise<void> {
		const {market} = this.hooks;
		try {
			const terms = await this.hooks.termsOf(tab.peer);
			const amount = feeFor(tab.kind, terms) * BigInt(count);
			if (amount === 0n) return;
			await market.touch(tab.peer);
			await market.ledger.apply(tab.key, {id, kind: 'used', amount, reason: tab.kind});
			this.stats.segmentsWritten++;
		} catch {
			// The ledger closed under us: reconciliation brings the peer's event back next run.
			this.stats.writesFailed++;
		}
	}

	private forget(tab: Tab): void {
		this.tabs.delete(slotOf(tab.key, tab.kind, tab.tab));
		if (this.current.get(`${tab.key}!${tab.kind}`) === tab)
			this.current.delete(`${tab.key}!${tab.kind}`);
		// Answers no notice covered: the peer's notice was lost, or it charges without telling.
		if (tab.answered <= tab.notified) return;
		const last = this.reconciledAt.get(tab.key);
		const now = this.now();
		if (last !== undefined && now - last < RECONCILE_EVERY_MS) return;
		this.reconciledAt.delete(tab.key);
		this.reconciledAt.set(tab.key, now);
		if (this.reconciledAt.size > MAX_PEERS_TRACKED)
			this.reconciledAt.delete(this.reconciledAt.keys().next().value!);
		this.stats.reconciles++;
		void this.reconcile(tab.peer).catch(() => undefined);
	}

	private sweep(): void {
		const cutoff = this.now() - TAB_FORGET_MS;
		for (const tab of this.tabs.values()) {
			if (tab.openedAt > cutoff) break; // insertion order is opening order
			this.forget(tab);
		}

		if (this.tabs.size === 0) {
			clearInterval(this.timer);
			this.timer = undefined;
		}
	}
}

function slotOf(key: string, kind: FeeKind, tab: Buffer): string {
	return `${key}!${kind}!${tab.toString('hex')}`;
}
