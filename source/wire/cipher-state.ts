import sodium from 'sodium-native';
import {TornetError} from '../errors.js';

/** ChaChaPoly as Noise uses it (§12.3): 32-byte key, 16-byte tag, nonce = 4 zero bytes ‖ n (LE64). */
export const CIPHER_KEY_BYTES = 32;
export const TAG_BYTES = 16;
const NONCE_BYTES = 12;

/**
 * A JS number counts exactly to 2^53, a limit no session reaches (2^53 packets at 1M/s is 285
 * years); Noise reserves 2^64-1, which this bound keeps us far from.
 */
const MAX_NONCE = Number.MAX_SAFE_INTEGER;

const EMPTY = Buffer.alloc(0);

/** Noise CipherState (§5.1): a key (possibly none yet) and a counting nonce. */
export class CipherState {
	private k: Buffer | undefined;
	private n = 0;
	private readonly nonceBytes = Buffer.alloc(NONCE_BYTES);

	constructor(key?: Uint8Array) {
		if (key !== undefined) this.initializeKey(key);
	}

	get key(): Buffer | undefined {
		return this.k;
	}

	get nonce(): number {
		return this.n;
	}

	hasKey(): boolean {
		return this.k !== undefined;
	}

	initializeKey(key: Uint8Array | undefined): void {
		if (key !== undefined && key.length !== CIPHER_KEY_BYTES) {
			throw TornetError.badArgument(`a cipher key is ${CIPHER_KEY_BYTES} bytes, not ${key.length}`);
		}

		this.k = key === undefined ? undefined : Buffer.from(key);
		this.n = 0;
	}

	/** Noise's SetNonce, for transports that carry the packet number themselves. */
	setNonce(nonce: number): void {
		if (!Number.isSafeInteger(nonce) || nonce < 0) {
			throw TornetError.badArgument(`bad nonce ${nonce}`);
		}

		this.n = nonce;
	}

	/** Without a key this is the identity, as Noise requires before the first DH. */
	encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Buffer {
		if (this.k === undefined) return Buffer.from(plaintext);
		if (this.n >= MAX_NONCE) throw TornetError.protocolViolation('cipher nonce exhausted');
		const ciphertext = Buffer.alloc(plaintext.length + TAG_BYTES);
		sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
			ciphertext,
			plaintext,
			ad,
			null,
			this.nonceFor(this.n),
			this.k,
		);
		this.n++;
		return ciphertext;
	}

	/** Undefined when authentication fails; the nonce then stays where it was (§5.1). */
	decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Buffer | undefined {
		if (this.k === undefined) return Buffer.from(ciphertext);
		if (ciphertext.length < TAG_BYTES || this.n >= MAX_NONCE) return undefined;
		const plaintext = Buffer.alloc(ciphertext.length - TAG_BYTES);
		try {
			sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
				plaintext,
				null,
				ciphertext,
				ad,
				this.nonceFor(this.n),
				this.k,
			);
		} catch {
			return undefined;
		}

		this.n++;
		return plaintext;
	}

	/** Noise's default Rekey (§4.2): the first 32 bytes of encrypting zeros under nonce 2^64-1. */
	rekey(): void {
		if (this.k === undefined) return;
		const zeros = Buffer.alloc(CIPHER_KEY_BYTES);
		const out = Buffer.alloc(CIPHER_KEY_BYTES + TAG_BYTES);
		const nonce = Buffer.alloc(NONCE_BYTES, 0xff);
		nonce.fill(0, 0, 4);
		sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, zeros, EMPTY, null, nonce, this.k);
		this.k = out.subarray(0, CIPHER_KEY_BYTES);
	}

	private nonceFor(n: number): Buffer {
		// Bytes 0..3 stay zero; the counter is written as two little-endian 32-bit halves.
		this.nonceBytes.writeUInt32LE(n % 2 ** 32, 4);
		this.nonceBytes.writeUInt32LE(Math.floor(n / 2 ** 32), 8);
		return this.nonceBytes;
	}
}
