import {hkdfSync} from 'node:crypto';

/**
 * Per-direction packet keys. The Noise split gives one 32-byte secret per direction; from it come
 * an AEAD key and an IV for epoch 0. Keys roll forward every EPOCH_PACKETS packets
 * (key[n+1] = HKDF(key[n])), so the epoch follows from the packet number itself and needs no
 * signalling bit on the wire; a receiver forgets keys two epochs old (forward secrecy).
 */
export const EPOCH_SHIFT = 22;
export const EPOCH_PACKETS = 2 ** EPOCH_SHIFT; // ~4M packets, ~5 GB at 1200 bytes
export const KEY_BYTES = 32;
export const IV_BYTES = 12;

const EMPTY = Buffer.alloc(0);

function derive(secret: Uint8Array, label: string, length: number): Buffer {
	return Buffer.from(hkdfSync('sha256', secret, EMPTY, `tornet/v1 ${label}`, length));
}

export function epochOf(packetNumber: number): number {
	return packetNumber >>> EPOCH_SHIFT;
}

export class PacketKeys {
	readonly iv: Buffer;
	private readonly keys = new Map<number, Buffer>();
	private latest: number;

	constructor(secret: Uint8Array) {
		this.iv = derive(secret, 'iv', IV_BYTES);
		this.keys.set(0, derive(secret, 'key', KEY_BYTES));
		this.latest = 0;
	}

	/** The key for an epoch, derived forward on demand; undefined for an epoch already forgotten. */
	key(epoch: number): Buffer | undefined {
		const known = this.keys.get(epoch);
		if (known) return known;
		if (epoch < this.latest) return undefined;
		let key = this.keys.get(this.latest)!;
		for (let next = this.latest + 1; next <= epoch; next++) {
			key = derive(key, 'key update', KEY_BYTES);
			this.keys.set(next, key);
		}

		this.latest = epoch;
		return key;
	}

	/** Forget every key older than `epoch - 1`: a packet that old would fail the replay window anyway. */
	forgetBefore(epoch: number): void {
		for (const old of this.keys.keys()) {
			if (old < epoch - 1) {
				this.keys.get(old)!.fill(0);
				this.keys.delete(old);
			}
		}
	}
}
