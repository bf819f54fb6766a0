// The subset of sodium-native that tornet uses. Every function writes into caller-provided
// buffers, which is what keeps the per-packet path free of allocations.
declare module 'sodium-native' {
	type Buf = Uint8Array;
	export const crypto_aead_chacha20poly1305_ietf_ABYTES: number;
	export function crypto_aead_chacha20poly1305_ietf_encrypt(
		ciphertext: Buf,
		message: Buf,
		additionalData: Buf | null,
		nsec: null,
		nonce: Buf,
		key: Buf,
	): number;
	export function crypto_aead_chacha20poly1305_ietf_decrypt(
		message: Buf,
		nsec: null,
		ciphertext: Buf,
		additionalData: Buf | null,
		nonce: Buf,
		key: Buf,
	): number;
	export function crypto_aead_xchacha20poly1305_ietf_encrypt(
		ciphertext: Buf,
		message: Buf,
		additionalData: Buf | null,
		nsec: null,
		nonce: Buf,
		key: Buf,
	): number;
	export function crypto_aead_xchacha20poly1305_ietf_decrypt(
		message: Buf,
		nsec: null,
		ciphertext: Buf,
		additionalData: Buf | null,
		nonce: Buf,
		key: Buf,
	): number;
	export function crypto_stream_chacha20_ietf_xor_ic(
		out: Buf,
		input: Buf,
		nonce: Buf,
		counter: number,
		key: Buf,
	): void;
	export function crypto_stream_chacha20_ietf_xor(out: Buf, input: Buf, nonce: Buf, key: Buf): void;
	export function crypto_stream_chacha20_ietf(out: Buf, nonce: Buf, key: Buf): void;
	export function crypto_scalarmult(out: Buf, secretKey: Buf, publicKey: Buf): void;
	export function crypto_scalarmult_base(out: Buf, secretKey: Buf): void;
	export function crypto_sign_keypair(publicKey: Buf, secretKey: Buf): void;
	export function crypto_sign_seed_keypair(publicKey: Buf, secretKey: Buf, seed: Buf): void;
	export function crypto_sign_detached(signature: Buf, message: Buf, secretKey: Buf): void;
	export function crypto_sign_verify_detached(
		signature: Buf,
		message: Buf,
		publicKey: Buf,
	): boolean;
	export function crypto_sign_ed25519_pk_to_curve25519(out: Buf, publicKey: Buf): void;
	export function crypto_sign_ed25519_sk_to_curve25519(out: Buf, secretKey: Buf): void;
	export function crypto_generichash(out: Buf, input: Buf, key?: Buf): void;
	export function crypto_hash_sha256(out: Buf, input: Buf): void;
	export function randombytes_buf(out: Buf): void;
	export function sodium_memzero(buf: Buf): void;
}
