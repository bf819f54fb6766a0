import {CIPHER_KEY_BYTES, CipherState} from './cipher-state.js';
import {hashLength, noiseHash, noiseHkdf, type NoiseHash} from './noise-hash.js';

/** What a failed read must roll back. Every field is replaced, never mutated, so references suffice. */
export type SymmetricSnapshot = {ck: Buffer; h: Buffer; k: Buffer | undefined; n: number};

/** Noise SymmetricState (§5.2): chaining key, handshake hash and the handshake's CipherState. */
export class SymmetricState {
	readonly hash: NoiseHash;
	private readonly cipher = new CipherState();
	private ck: Buffer;
	private h: Buffer;

	constructor(hash: NoiseHash, protocolName: string) {
		this.hash = hash;
		const name = Buffer.from(protocolName, 'ascii');
		const length = hashLength(hash);
		// A name no longer than HASHLEN is zero-padded into h; a longer one is hashed.
		if (name.length <= length) {
			this.h = Buffer.alloc(length);
			name.copy(this.h);
		} else {
			this.h = noiseHash(hash, name);
		}

		this.ck = this.h;
	}

	get handshakeHash(): Buffer {
		return this.h;
	}

	hasKey(): boolean {
		return this.cipher.hasKey();
	}

	mixKey(inputKeyMaterial: Uint8Array): void {
		const [ck, temporaryKey] = noiseHkdf(this.hash, this.ck, inputKeyMaterial);
		this.ck = ck;
		// BLAKE2b gives 64-byte outputs; the cipher key is their first 32 bytes.
		this.cipher.initializeKey(temporaryKey.subarray(0, CIPHER_KEY_BYTES));
	}

	mixHash(data: Uint8Array): void {
		this.h = noiseHash(this.hash, this.h, data);
	}

	encryptAndHash(plaintext: Uint8Array): Buffer {
		const ciphertext = this.cipher.encryptWithAd(this.h, plaintext);
		this.mixHash(ciphertext);
		return ciphertext;
	}

	decryptAndHash(ciphertext: Uint8Array): Buffer | undefined {
		const plaintext = this.cipher.decryptWithAd(this.h, ciphertext);
		if (plaintext === undefined) return undefined;
		this.mixHash(ciphertext);
		return plaintext;
	}

	split(): [CipherState, CipherState] {
		const [key1, key2] = noiseHkdf(this.hash, this.ck, Buffer.alloc(0));
		return [
			new CipherState(key1.subarray(0, CIPHER_KEY_BYTES)),
			new CipherState(key2.subarray(0, CIPHER_KEY_BYTES)),
		];
	}

	snapshot(): SymmetricSnapshot {
		return {ck: this.ck, h: this.h, k: this.cipher.key, n: this.cipher.nonce};
	}

	restore(snapshot: SymmetricSnapshot): void {
		this.ck = snapshot.ck;
		this.h = snapshot.h;
		this.cipher.initializeKey(snapshot.k);
		this.cipher.setNonce(snapshot.n);
	}
}
