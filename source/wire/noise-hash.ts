import {createHash, createHmac} from 'node:crypto';

/**
 * The two Noise hash functions (Noise revision 34, §4.3 and §12.8/12.9). HMAC comes from
 * node:crypto, whose OpenSSL HMAC uses each digest's own block length: 64 bytes for SHA-256,
 * 128 for BLAKE2b-512, exactly the BLOCKLEN Noise specifies.
 */
export type NoiseHash = 'SHA256' | 'BLAKE2b';

const ALGORITHMS = {SHA256: 'sha256', BLAKE2b: 'blake2b512'} as const;
const HASH_LENGTHS = {SHA256: 32, BLAKE2b: 64} as const;

export function hashLength(hash: NoiseHash): number {
	return HASH_LENGTHS[hash];
}

export function noiseHash(hash: NoiseHash, ...parts: Uint8Array[]): Buffer {
	const hasher = createHash(ALGORITHMS[hash]);
	for (const part of parts) hasher.update(part);
	return hasher.digest();
}

function hmac(hash: NoiseHash, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
	const mac = createHmac(ALGORITHMS[hash], key);
	for (const part of parts) mac.update(part);
	return mac.digest();
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/**
 * Noise's HKDF with two outputs (the only count the patterns without PSK need). It is RFC 5869 with
 * the chaining key as salt and an empty info, so node:crypto's hkdfSync would give the same bytes,
 * but writing out Noise's definition keeps the test vectors the only authority.
 */
export function noiseHkdf(
	hash: NoiseHash,
	chainingKey: Uint8Array,
	inputKeyMaterial: Uint8Array,
): [Buffer, Buffer] {
	const temporaryKey = hmac(hash, chainingKey, inputKeyMaterial);
	const output1 = hmac(hash, temporaryKey, ONE);
	const output2 = hmac(hash, temporaryKey, output1, TWO);
	return [output1, output2];
}
