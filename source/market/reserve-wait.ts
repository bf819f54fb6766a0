import {TornetError} from '../errors.js';
import {paymentDetails} from './credit-line.js';
import type {Ledger} from './ledger.js';
import type {Direction, Reservation} from './reservations.js';

export type ReserveWaitOptions = {
	ledger: Ledger;
	/** The peer's account key (hex id). */
	peer: string;
	direction: Direction;
	/** What the refused reservation would hold. */
	price: bigint;
	/** Give up (rethrow the refusal) at this time. */
	until: number;
	now: () => number;
	signal?: AbortSignal;
};

/**
 * Reserve, waiting while only transfers in flight with the peer stand in the way: a fetcher that
 * reads ahead asks for more at once than a line holds, and a serving side still writing its last
 * commit holds a reservation the fetcher already let go. Either way the debt itself leaves room
 * for this transfer (debt + price ≤ line), so it queues behind the others instead of failing
 * with PAYMENT_REQUIRED, which would stop the download and ask for a settlement of a debt that
 * is not there. A refusal the debt causes, anything else, and time running out are thrown.
 */
export async function reserveWaiting(
	reserve: () => Promise<Reservation>,
	options: ReserveWaitOptions,
): Promise<Reservation> {
	const {ledger, peer, direction, price, now, signal} = options;
	// Immediate retries when nothing is held yet the reservation was refused (the line the peer
	// extends changed meanwhile): a few, then the refusal stands.
	let spins = 0;
	for (;;) {
		try {
			return await reserve();
		} catch (error) {
			const details = paymentDetails(error);
			if (!details || now() >= options.until) throw error;
			const {balance} = await ledger.account(peer);
			const debt = direction === 'serve' ? balance : -balance;
			if (debt + price > details.line) throw error;
			if (ledger.reserved(peer, direction) > 0n) {
				await ledger.released(peer, options.until - now(), signal);
			} else if (++spins > 2) {
				throw error;
			}

			if (signal?.aborted) throw TornetError.aborted('waiting for a transfer in flight');
		}
	}
}
