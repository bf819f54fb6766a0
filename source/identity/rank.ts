import {createHash} from 'node:crypto';

/** Proof-of-work nonces are 8 bytes: 2^64 tries is beyond any rank anyone will search. */
export const NONCE_BYTES = 8;

export function leadingZeroBits(bytes: Uint8Array): number {
	let bits = 0;
	for (const byte of bytes) {
		if (byte === 0) {
			bits += 8;
			continue;
		}
		return bits + Math.clz32(byte) - 24;
	}
	return bits;
}

/** Rank = leading zero bits of SHA-256(public key ‖ nonce): the work invested in an identity. */
export function rankOf(publicKey: Uint8Array, nonce: Uint8Array): number {
	if (nonce.length !== NONCE_BYTES) return 0;
	return leadingZeroBits(createHash('sha256').update(publicKey).update(nonce).digest());
}

export function nonceFromCounter(counter: bigint): Buffer {
	const nonce = Buffer.alloc(NONCE_BYTES);
	nonce.writeBigUInt64BE(BigInt.asUintN(64, counter));
	return nonce;
}

/** Expected SHA-256 evaluations to reach `rank` from scratch. */
export function expectedTries(rank: number): number {
	return 2 ** rank;
}
