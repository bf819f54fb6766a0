/**
 * Sliding-window replay protection over 32-bit packet numbers (RFC 6479 style): a bitmap of the
 * last WINDOW packet numbers below the highest one seen. `check` is called before decryption
 * (cheap reject), `accept` only after the packet authenticated, so forged packets cannot move it.
 */
export const REPLAY_WINDOW = 4096;

const WORDS = REPLAY_WINDOW / 32;

export class ReplayWindow {
	private highest = -1;
	private readonly bits = new Uint32Array(WORDS);

	check(packetNumber: number): boolean {
		if (packetNumber > this.highest) return true;
		if (packetNumber <= this.highest - REPLAY_WINDOW) return false;
		const slot = packetNumber % REPLAY_WINDOW;
		return (this.bits[slot >>> 5] & (1 << (slot & 31))) === 0;
	}

	accept(packetNumber: number): void {
		if (packetNumber > this.highest) {
			const advance = packetNumber - this.highest;
			if (advance >= REPLAY_WINDOW) {
				this.bits.fill(0);
			} else {
				for (let n = this.highest + 1; n < packetNumber; n++) {
					const slot = n % REPLAY_WINDOW;
					this.bits[slot >>> 5] &= ~(1 << (slot & 31));
				}
			}

			this.highest = packetNumber;
		}

		const slot = packetNumber % REPLAY_WINDOW;
		this.bits[slot >>> 5] |= 1 << (slot & 31);
	}

	get highestSeen(): number {
		return this.highest;
	}
}
