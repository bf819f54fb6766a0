import sodium from 'sodium-native';
import {nodeIdFromPublicKey} from './id.js';

/**
 * Ed25519 identity keys through sodium-native: measured here at 21k verifies/s and 60k signs/s,
 * against 6k/s for node:crypto (which must import a KeyObject per peer key) and 75/s for tweetnacl.
 */
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export type KeyPair = {
	publicKey: Buffer;
	/** libsodium layout: seed ‖ public key. */
	secretKey: Buffer;
};

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
	const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
	const secretKey = Buffer.alloc(SECRET_KEY_BYTES);
	sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
	return {publicKey, secretKey};
}

export function generateKeyPair(): KeyPair {
	const seed = Buffer.alloc(SEED_BYTES);
	sodium.randombytes_buf(seed);
	return keyPairFromSeed(seed);
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Buffer {
	const signature = Buffer.alloc(SIGNATURE_BYTES);
	sodium.crypto_sign_detached(signature, message, secretKey);
	return signature;
}

export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
	if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
	try {
		return sodium.crypto_sign_verify_detached(signature, message, publicKey);
	} catch {
		return false;
	}
}

/**
 * The Noise static key is the X25519 form of the identity key, so an address
 * `<ed25519 public key>@host:port` is all an initiator needs for Noise IK, and the node id
 * stays derivable from what a contact carries.
 */
export function noisePublicKey(publicKey: Uint8Array): Buffer | undefined {
	const out = Buffer.alloc(32);
	try {
		sodium.crypto_sign_ed25519_pk_to_curve25519(out, publicKey);
	} catch {
		return undefined; // Not a point on the curve: a hostile or corrupt key.
	}
	return out;
}

export function noiseSecretKey(secretKey: Uint8Array): Buffer {
	const out = Buffer.alloc(32);
	sodium.crypto_sign_ed25519_sk_to_curve25519(out, secretKey);
	return out;
}

export type Identity = KeyPair & {
	id: Buffer;
	noiseSecretKey: Buffer;
	noisePublicKey: Buffer;
	/** Proof-of-work nonce, 8 bytes. */
	nonce: Buffer;
	rank: number;
};

export function makeIdentity(keyPair: KeyPair, nonce: Buffer, rank: number): Identity {
	return {
		...keyPair,
		id: nodeIdFromPublicKey(keyPair.publicKey),
		noiseSecretKey: noiseSecretKey(keyPair.secretKey),
		noisePublicKey: noisePublicKey(keyPair.publicKey)!,
		nonce,
		rank,
	};
}
