import {TornetError} from '../errors.js';

/**
 * In-flight reservations against credit lines (two-phase accounting, as in Swarm's bee):
 * a transfer reserves its price before any byte moves, then applies or releases it. They live in
 * memory only: a crash drops them, which frees the line and never loses an applied charge.
 */
export type Direction = 'serve' | 'use';

export type Reservation = {
	readonly token: number;
	readonly peer: string;
	readonly eventId: string;
	readonly amount: bigint;
	/** serve: the peer will owe us more; use: we will owe the peer more. */
	readonly direction: Direction;
	readonly expiresAt: number;
};

/** Per peer: more in flight than the RPC layer lets a peer run at once (64), with room. */
export const MAX_RESERVATIONS_PER_PEER = 256;
export const MAX_RESERVATIONS = 65_536;

export class Reservations {
	private readonly byPeer = new Map<string, Reservation[]>();
	private count = 0;
	private nextToken = 1;

	get size(): number {
		return this.count;
	}

	add(entry: Omit<Reservation, 'token'>, now: number): Reservation {
		const list = this.live(entry.peer, now);
		if (list.length >= MAX_RESERVATIONS_PER_PEER || this.count >= MAX_RESERVATIONS)
			throw TornetError.tooManyRequests(`too many transfers in flight with ${entry.peer}`);
		const reservation = {...entry, token: this.nextToken++};
		list.push(reservation);
		this.byPeer.set(entry.peer, list);
		this.count++;
		return reservation;
	}

	/** Sum of the unexpired reservations of one direction with a peer. */
	total(peer: string, direction: Direction, now: number): bigint {
		let sum = 0n;
		for (const entry of this.live(peer, now))
			if (entry.direction === direction) sum += entry.amount;
		return sum;
	}

	hasEvent(peer: string, eventId: string, now: number): boolean {
		return this.live(peer, now).some((entry) => entry.eventId === eventId);
	}

	has(reservation: Reservation): boolean {
		return this.byPeer.get(reservation.peer)?.includes(reservation) ?? false;
	}

	remove(reservation: Reservation): boolean {
		const list = this.byPeer.get(reservation.peer);
		const index = list?.indexOf(reservation) ?? -1;
		if (!list || index < 0) return false;
		list.splice(index, 1);
		this.count--;
		if (list.length === 0) this.byPeer.delete(reservation.peer);
		return true;
	}

	peers(): IterableIterator<string> {
		return this.byPeer.keys();
	}

	/** The peer's reservations with expired ones dropped (expiry is checked lazily, here). */
	private live(peer: string, now: number): Reservation[] {
		const list = this.byPeer.get(peer);
		if (!list) return [];
		const kept = list.filter((entry) => entry.expiresAt > now);
		this.count -= list.length - kept.length;
		if (kept.length === 0) this.byPeer.delete(peer);
		else this.byPeer.set(peer, kept);
		return kept;
	}
}
