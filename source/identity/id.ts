import {TornetError} from '../errors.js';
import {hash160, ID_BITS, ID_BYTES} from './hash.js';

/**
 * 160-bit ids as 20-byte buffers. Distances are compared byte-wise, never as JS numbers
 * (a double holds 53 bits; ids have 160).
 */
export {ID_BITS, ID_BYTES};

export function nodeIdFromPublicKey(publicKey: Uint8Array): Buffer {
	return hash160(publicKey);
}

export function xorDistance(a: Uint8Array, b: Uint8Array): Buffer {
	const out = Buffer.allocUnsafe(ID_BYTES);
	for (let i = 0; i < ID_BYTES; i++) out[i] = a[i] ^ b[i];
	return out;
}

/** Number of significant bits: 0 for equal ids, 160 when the top bit differs. */
export function bitLength(value: Uint8Array): number {
	for (let i = 0; i < value.length; i++) {
		const byte = value[i];
		if (byte !== 0) return (value.length - i) * 8 - (Math.clz32(byte) - 24);
	}
	return 0;
}

/** bitLength(a ⊕ b) without allocating: the original notes' log2(NID ^ CID). */
export function distanceBits(a: Uint8Array, b: Uint8Array): number {
	for (let i = 0; i < ID_BYTES; i++) {
		const byte = a[i] ^ b[i];
		if (byte !== 0) return (ID_BYTES - i) * 8 - (Math.clz32(byte) - 24);
	}
	return 0;
}

/** Negative when `a` is closer to `target` than `b`, positive when farther, 0 when equal. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
	for (let i = 0; i < ID_BYTES; i++) {
		const da = a[i] ^ target[i];
		const db = b[i] ^ target[i];
		if (da !== db) return da - db;
	}
	return 0;
}

export function idToHex(id: Uint8Array): string {
	return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

export function idFromHex(hex: string): Buffer {
	if (!/^[\da-f]{40}$/i.test(hex))
		throw TornetError.badArgument(`${JSON.stringify(hex)} is not a 40-digit hex id`);
	return Buffer.from(hex, 'hex');
}

export function shortId(id: Uint8Array): string {
	return idToHex(id).slice(0, 8);
}
