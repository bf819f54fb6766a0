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
/** Transfers waiting for a peer's reservations to end (one per transfer a fetcher would start). */
export const MAX_WAITERS_PER_PEER = MAX_RESERVATIONS_PER_PEER;

export class Reservations {
	private readonly byPeer = new Map<string, Reservation[]>();
	private readonly waiters = new Map<string, Set<() => void>>();
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
		const waiting = this.waiters.get(reservation.peer);
		this.waiters.delete(reservation.peer);
		for (const wake of waiting ?? []) wake();
		return true;
	}

	/**
	 * Resolves when one of the peer's reservations ends: removed (commit, release), expired, or
	 * after `timeoutMs` at the latest; at once when it has none. Rejects with ABORTED on `signal`.
	 */
	async changed(peer: string, now: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		const list = this.live(peer, now);
		if (list.length === 0) return;
		if (signal?.aborted) throw TornetError.aborted('waiting for a transfer in flight');
		const waiting = this.waiters.get(peer) ?? new Set<() => void>();
		if (waiting.size >= MAX_WAITERS_PER_PEER)
			throw TornetError.tooManyRequests(`too many transfers waiting for ${peer}`);
		const expiry = Math.min(...list.map((entry) => entry.expiresAt)) - now;
		await new Promise<void>((resolve, reject) => {
			const finish = (error?: TornetError) => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				waiting.delete(wake);
				if (waiting.size === 0 && this.waiters.get(peer) === waiting) this.waiters.delete(peer);
				if (error) reject(error);
				else resolve();
			};

			const wake = () => {
				finish();
			};

			const onAbort = () => {
				finish(TornetError.aborted('waiting for a transfer in flight'));
			};

			const timer = setTimeout(wake, Math.max(0, Math.min(expiry, timeoutMs)));
			signal?.addEventListener('abort', onAbort, {once: true});
			waiting.add(wake);
			this.waiters.set(peer, waiting);
		});
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
