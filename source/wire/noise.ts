import sodium from 'sodium-native';
import {TornetError} from '../errors.js';
import {CipherState, TAG_BYTES} from './cipher-state.js';
import {type NoiseHash} from './noise-hash.js';
import {SymmetricState} from './noise-symmetric-state.js';

export {CipherState} from './cipher-state.js';
export type {NoiseHash} from './noise-hash.js';

/** Noise Protocol Framework revision 34 with X25519, ChaChaPoly, SHA-256 or BLAKE2b. */
export const DH_BYTES = 32;
/** Noise caps every message at 65535 bytes (§3). */
export const MAX_NOISE_MESSAGE = 65_535;

export type DhKeyPair = {publicKey: Buffer; secretKey: Buffer};
export type NoisePattern = 'NN' | 'XX' | 'IK';
type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';

/** Message patterns (§7.4, §7.5); even-numbered messages go initiator → responder. */
const PATTERNS: Record<NoisePattern, {responderStaticKnown: boolean; messages: Token[][]}> = {
	NN: {responderStaticKnown: false, messages: [['e'], ['e', 'ee']]},
	XX: {
		responderStaticKnown: false,
		messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']],
	},
	IK: {
		responderStaticKnown: true,
		messages: [
			['e', 'es', 's', 'ss'],
			['e', 'ee', 'se'],
		],
	},
};

export function dhKeyPairFromSecret(secretKey: Uint8Array): DhKeyPair {
	const publicKey = Buffer.alloc(DH_BYTES);
	sodium.crypto_scalarmult_base(publicKey, secretKey);
	return {publicKey, secretKey: Buffer.from(secretKey)};
}

export function generateDhKeyPair(): DhKeyPair {
	const secretKey = Buffer.alloc(DH_BYTES);
	sodium.randombytes_buf(secretKey);
	return dhKeyPairFromSecret(secretKey);
}

/** Undefined for a low-order public key: libsodium refuses an all-zero shared secret. */
function dh(keyPair: DhKeyPair, publicKey: Uint8Array): Buffer | undefined {
	if (publicKey.length !== DH_BYTES) return undefined;
	const shared = Buffer.alloc(DH_BYTES);
	try {
		sodium.crypto_scalarmult(shared, keyPair.secretKey, publicKey);
	} catch {
		return undefined;
	}

	return shared;
}

export type HandshakeOptions = {
	pattern: NoisePattern;
	initiator: boolean;
	hash: NoiseHash;
	prologue: Uint8Array;
	/** Local static key pair (XX both sides, IK both sides). */
	s?: DhKeyPair;
	/** Local ephemeral key pair made by the caller (tornet signs it; test vectors fix it); otherwise one is generated. */
	e?: DhKeyPair;
	/** Remote static public key known beforehand (IK initiator). */
	rs?: Uint8Array;
};

/**
 * Noise HandshakeState (§5.3). A failed `readMessage` rolls the state back to where it was, so a
 * party may drop a forged datagram and still accept the genuine one; `writeMessage` throws only on
 * misuse by the caller (wrong turn, finished handshake) or a remote static key that is low-order.
 */
export class HandshakeState {
	static create(options: HandshakeOptions): HandshakeState {
		return new HandshakeState(options);
	}

	readonly initiator: boolean;
	private readonly symmetric: SymmetricState;
	private readonly messages: Token[][];
	private readonly s: DhKeyPair | undefined;
	private e: DhKeyPair | undefined;
	private rs: Buffer | undefined;
	private re: Buffer | undefined;
	private index = 0;

	private constructor(options: HandshakeOptions) {
		const {pattern, initiator, hash, prologue} = options;
		const definition = PATTERNS[pattern];
		if (!definition) throw TornetError.badArgument(`unknown Noise pattern ${String(pattern)}`);
		checkKeyPair(options.s, 's');
		checkKeyPair(options.e, 'e');
		if (options.rs !== undefined && options.rs.length !== DH_BYTES) {
			throw TornetError.badArgument(`rs must be ${DH_BYTES} bytes`);
		}

		const needsStatic = pattern !== 'NN';
		if (needsStatic && !options.s) throw TornetError.badArgument(`${pattern} needs a static key`);
		if (definition.responderStaticKnown && initiator && !options.rs) {
			throw TornetError.badArgument(`${pattern} initiator needs the responder's static key`);
		}

		this.initiator = initiator;
		this.messages = definition.messages;
		this.s = options.s;
		this.e = options.e;
		this.rs = options.rs === undefined ? undefined : Buffer.from(options.rs);
		this.symmetric = new SymmetricState(hash, `Noise_${pattern}_25519_ChaChaPoly_${hash}`);
		this.symmetric.mixHash(prologue);
		if (definition.responderStaticKnown) {
			this.symmetric.mixHash(initiator ? this.rs! : this.s!.publicKey);
		}
	}

	get complete(): boolean {
		return this.index >= this.messages.length;
	}

	/** True when the next message is ours to write. */
	get myTurn(): boolean {
		return !this.complete && this.index % 2 === (this.initiator ? 0 : 1);
	}

	get handshakeHash(): Buffer {
		return this.symmetric.handshakeHash;
	}

	get remoteStaticKey(): Buffer | undefined {
		return this.rs;
	}

	get remoteEphemeralKey(): Buffer | undefined {
		return this.re;
	}

	get localEphemeralKey(): Buffer | undefined {
		return this.e?.publicKey;
	}

	writeMessage(payload: Uint8Array): Buffer {
		if (!this.myTurn) {
			throw TornetError.protocolViolation('not our turn to write a handshake message');
		}

		// At most e, an encrypted s and two tags precede the payload in these patterns; checking
		// first means a refused payload leaves the state untouched.
		if (payload.length > MAX_NOISE_MESSAGE - 2 * DH_BYTES - 2 * TAG_BYTES) {
			throw TornetError.badArgument(`a Noise message is at most ${MAX_NOISE_MESSAGE} bytes`);
		}

		const parts: Buffer[] = [];
		for (const token of this.messages[this.index]) {
			if (token === 'e') {
				this.e ??= generateDhKeyPair();
				parts.push(this.e.publicKey);
				this.symmetric.mixHash(this.e.publicKey);
			} else if (token === 's') {
				parts.push(this.symmetric.encryptAndHash(this.s!.publicKey));
			} else if (!this.mixDh(token)) {
				throw TornetError.handshakeFailed('the remote key is not usable (low-order point)');
			}
		}

		parts.push(this.symmetric.encryptAndHash(payload));
		const message = Buffer.concat(parts);
		this.index++;
		return message;
	}

	/** The payload, or undefined on any failure (wrong turn, short message, bad key, bad tag). */
	readMessage(message: Uint8Array): Buffer | undefined {
		if (this.complete || this.myTurn || message.length > MAX_NOISE_MESSAGE) return undefined;
		const saved = {symmetric: this.symmetric.snapshot(), re: this.re, rs: this.rs};
		const payload = this.readTokens(message);
		if (payload === undefined) {
			this.symmetric.restore(saved.symmetric);
			this.re = saved.re;
			this.rs = saved.rs;
			return undefined;
		}

		this.index++;
		return payload;
	}

	/** [initiator → responder, responder → initiator], as Noise's Split returns them. */
	split(): {initiatorToResponder: CipherState; responderToInitiator: CipherState} {
		if (!this.complete) throw TornetError.protocolViolation('the handshake is not complete');
		const [initiatorToResponder, responderToInitiator] = this.symmetric.split();
		return {initiatorToResponder, responderToInitiator};
	}

	private readTokens(message: Uint8Array): Buffer | undefined {
		let offset = 0;
		for (const token of this.messages[this.index]) {
			if (token === 'e') {
				if (message.length - offset < DH_BYTES) return undefined;
				this.re = Buffer.from(message.subarray(offset, offset + DH_BYTES));
				offset += DH_BYTES;
				this.symmetric.mixHash(this.re);
			} else if (token === 's') {
				const length = DH_BYTES + (this.symmetric.hasKey() ? TAG_BYTES : 0);
				if (message.length - offset < length) return undefined;
				const rs = this.symmetric.decryptAndHash(message.subarray(offset, offset + length));
				if (rs === undefined) return undefined;
				this.rs = rs;
				offset += length;
			} else if (!this.mixDh(token)) {
				return undefined;
			}
		}

		return this.symmetric.decryptAndHash(message.subarray(offset));
	}

	/** MixKey(DH(...)) for one DH token; false when a key is missing or low-order. */
	private mixDh(token: 'ee' | 'es' | 'se' | 'ss'): boolean {
		// The first letter names the initiator's key, the second the responder's (§7.1).
		const [initiatorKey, responderKey] = token;
		const local = (this.initiator ? initiatorKey : responderKey) === 'e' ? this.e : this.s;
		const remote = (this.initiator ? responderKey : initiatorKey) === 'e' ? this.re : this.rs;
		if (!local || !remote) return false;
		const shared = dh(local, remote);
		if (!shared) return false;
		this.symmetric.mixKey(shared);
		return true;
	}
}

function checkKeyPair(keyPair: DhKeyPair | undefined, name: string): void {
	if (!keyPair) return;
	if (keyPair.publicKey.length !== DH_BYTES || keyPair.secretKey.length !== DH_BYTES) {
		throw TornetError.badArgument(`${name} must be an X25519 key pair of ${DH_BYTES}-byte keys`);
	}
}
