/**
 * Bounds what handshakes can cost a responder. Above a rate of initiations per second, or with too
 * many connections not yet confirmed, the endpoint demands cookies (no state, no Diffie-Hellman for
 * spoofed sources). Per-identity timestamps stop replayed initiations; that table is bounded too.
 */
export const MAX_UNCONFIRMED = 256;
export const MAX_TIMESTAMPS = 16_384;

export class HandshakeGuard {
	private readonly perSecond: number;
	private thisSecond = 0;
	private lastSecond = 0;
	private readonly timestamps = new Map<string, number>();

	constructor(perSecond: number) {
		this.perSecond = perSecond;
	}

	underLoad(unconfirmed: number): boolean {
		return (
			unconfirmed >= MAX_UNCONFIRMED || Math.max(this.thisSecond, this.lastSecond) >= this.perSecond
		);
	}

	/** Identities whose newest initiation timestamp is remembered; at most MAX_TIMESTAMPS. */
	get rememberedIdentities(): number {
		return this.timestamps.size;
	}

	count(): void {
		this.thisSecond++;
	}

	/** Called once a second. */
	tick(): void {
		this.lastSecond = this.thisSecond;
		this.thisSecond = 0;
	}

	/** True when `timestamp` is newer than any initiation seen from this identity; records it. */
	freshTimestamp(identity: string, timestamp: number): boolean {
		const last = this.timestamps.get(identity);
		if (last !== undefined && timestamp <= last) return false;
		this.timestamps.delete(identity);
		this.timestamps.set(identity, timestamp);
		if (this.timestamps.size > MAX_TIMESTAMPS) {
			// Forget the identity heard from longest ago (Map keeps insertion order).
			const oldest = this.timestamps.keys().next().value!;
			this.timestamps.delete(oldest);
		}

		return true;
	}
}
