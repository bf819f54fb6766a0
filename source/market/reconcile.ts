import type {Ledger} from './ledger.js';
import {EVENT_ID_PATTERN, mirrorKind} from './ledger-records.js';
import type {WireEvent} from './messages.js';

/**
 * Marks our correction of an event both sides hold with different amounts. A transfer cut after
 * the seller's last write is charged in full by the seller and at the request fee by the buyer;
 * merging raises the lower side to the higher amount with an event `<id>+` (claims that the peer
 * served us more count against the claim limit, like missing claims). Amounts only ever rise, so
 * both ledgers converge on the larger figure and a peer's own `+` events are never mirrored.
 */
export const ADJUSTMENT_SUFFIX = '+';

export type MergeResult = {
	/** The peer's events we lacked and applied (mirrored). */
	applied: number;
	/** Claims against us we refused (settlement claims always; service claims past the limit). */
	disputed: number;
	/** Credits of service claims accepted. */
	claimed: bigint;
	/** Highest peer seq looked at. */
	peerSeq: number;
};

/**
 * Bring our ledger with a peer in line with the peer's event log after a crash or a lost answer.
 * Each of the peer's events we lack is applied as its mirror under the same id, so both ledgers
 * end up holding the same events: balance[A][B] + balance[B][A] = 0 and
 * received[A][B] = sent[B][A].
 *
 * What we take on the peer's word:
 * - admissions (it served nothing, we served it; it forgave or was paid by us): always;
 * - claims that it served us, up to `claimLimit` credits per call: a fetcher that crashed before
 *   recording a transfer learns it here, and a lying peer invents at most that much;
 * - a larger amount for an event we hold: as an adjustment (ADJUSTMENT_SUFFIX), under the same rules;
 * - claims that it settled with us: never. Every rail has the creditor record first, so a missing
 *   settlement on our side means the peer must send it again (a cumulative cheque resends itself).
 */
export async function mergePeerEvents(
	ledger: Ledger,
	peer: string,
	events: WireEvent[],
	claimLimit: bigint,
): Promise<MergeResult> {
	const result: MergeResult = {applied: 0, disputed: 0, claimed: 0n, peerSeq: 0};
	const account = await ledger.account(peer);
	result.peerSeq = account.peerSeq;
	for (let event of events) {
		if (event.seq <= account.peerSeq) continue;
		result.peerSeq = Math.max(result.peerSeq, event.seq);
		const kind = mirrorKind(event.kind);
		// The peer's own adjustments are its side of a correction we already hold in full.
		if (event.id.endsWith(ADJUSTMENT_SUFFIX)) continue;
		if (await ledger.hasEvent(peer, event.id)) {
			const ours = await ledger.eventById(peer, event.id);
			const short = ours && ours.kind === kind ? event.amount - ours.amount : 0n;
			if (short <= 0n || (kind !== 'served' && kind !== 'used')) continue;
			const adjustment = {...event, id: event.id + ADJUSTMENT_SUFFIX, amount: short};
			if (!EVENT_ID_PATTERN.test(adjustment.id)) {
				result.disputed++;
				continue;
			}

			event = adjustment;
			if (await ledger.hasEvent(peer, event.id)) continue;
		}

		if (kind === 'settled-in') {
			result.disputed++;
			continue;
		}

		if (kind === 'used') {
			if (result.claimed + event.amount > claimLimit) {
				result.disputed++;
				continue;
			}

			result.claimed += event.amount;
		}

		const applied = await ledger.apply(
			peer,
			{
				id: event.id,
				kind,
				amount: event.amount,
				...(event.reason ? {reason: event.reason} : {}),
				...(event.rail ? {rail: event.rail} : {}),
				...(event.chunk ? {chunk: event.chunk.toString('hex')} : {}),
			},
			{
				// Our cheque the peer accepted but we never heard back about.
				patch: (next) =>
					kind === 'settled-out' && event.rail === 'cheque'
						? {
								...next,
								chequeOut: {
									...next.chequeOut,
									cumulative: next.chequeOut.cumulative + event.amount,
								},
							}
						: next,
			},
		);
		if (applied.applied) result.applied++;
	}

	if (result.peerSeq > account.peerSeq) {
		await ledger.update(peer, (current) => ({
			...current,
			peerSeq: Math.max(current.peerSeq, result.peerSeq),
		}));
	}

	return result;
}
