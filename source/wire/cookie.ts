import {randomBytes} from 'node:crypto';
import sodium from 'sodium-native';
import {sha256} from '../identity/hash.js';

/**
 * Stateless cookies against handshake floods (after WireGuard §5.4.7). Under load a responder
 * answers an initiation whose mac2 is not valid for its source address with a cookie reply and
 * keeps no state; the initiator retries with mac2 = MAC(cookie, initiation). A flooder spoofing
 * source addresses never sees the cookie, so its initiations cost one BLAKE2b each and nothing more.
 */
export const MAC_BYTES = 16;
export const COOKIE_BYTES = 16;
const XNONCE_BYTES = 24;
export const COOKIE_REPLY_BYTES = XNONCE_BYTES + COOKIE_BYTES + 16;
/** The responder's cookie secret changes this often; a cookie is valid for one or two periods. */
export const COOKIE_SECRET_MS = 120_000;

export function cookieKey(responderPublicKey: Uint8Array): Buffer {
	return sha256(Buffer.from('tornet/v1 cookie'), responderPublicKey);
}

export function mac(out: Uint8Array, key: Uint8Array, data: Uint8Array): void {
	sodium.crypto_generichash(out, data, key);
}

export function addressBytes(host: string, port: number): Buffer {
	return Buffer.from(`${host}|${port}`);
}

export class CookieJar {
	private secret = randomBytes(32);
	private previous = randomBytes(32);
	private changedAt: number;
	private readonly replyKey: Buffer;
	private readonly scratch = Buffer.alloc(MAC_BYTES);

	private readonly now: () => number;

	constructor(responderPublicKey: Uint8Array, now: () => number = Date.now) {
		this.now = now;
		this.replyKey = cookieKey(responderPublicKey);
		this.changedAt = now();
	}

	cookieFor(host: string, port: number, secret = this.currentSecret()): Buffer {
		const cookie = Buffer.alloc(COOKIE_BYTES);
		mac(cookie, secret, addressBytes(host, port));
		return cookie;
	}

	/** mac2 of an initiation is valid when it is MAC(cookie for its source, initiation up to mac2). */
	checkMac2(initiation: Uint8Array, host: string, port: number): boolean {
		const body = initiation.subarray(0, initiation.length - MAC_BYTES);
		const mac2 = initiation.subarray(initiation.length - MAC_BYTES);
		for (const secret of [this.currentSecret(), this.previous]) {
			mac(this.scratch, this.cookieFor(host, port, secret), body);
			if (this.scratch.equals(mac2)) return true;
		}

		return false;
	}

	/** The cookie reply, padded to a random length but never longer than what it answers. */
	reply(mac1: Uint8Array, host: string, port: number, maxLength: number): Buffer | undefined {
		if (maxLength < COOKIE_REPLY_BYTES) return undefined;
		const length =
			COOKIE_REPLY_BYTES + Math.floor(Math.random() * (maxLength - COOKIE_REPLY_BYTES + 1));
		const packet = randomBytes(length);
		const nonce = packet.subarray(0, XNONCE_BYTES);
		sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
			packet.subarray(XNONCE_BYTES, COOKIE_REPLY_BYTES),
			this.cookieFor(host, port),
			mac1,
			null,
			nonce,
			this.replyKey,
		);
		return packet;
	}

	private currentSecret(): Buffer {
		if (this.now() - this.changedAt >= COOKIE_SECRET_MS) {
			this.previous = this.secret;
			this.secret = randomBytes(32);
			this.changedAt = this.now();
		}

		return this.secret;
	}
}

/** Initiator side: the cookie inside a reply to our initiation with `mac1`, if it is one. */
export function openCookieReply(
	packet: Uint8Array,
	responderPublicKey: Uint8Array,
	mac1: Uint8Array,
): Buffer | undefined {
	if (packet.length < COOKIE_REPLY_BYTES) return undefined;
	const cookie = Buffer.alloc(COOKIE_BYTES);
	try {
		sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
			cookie,
			null,
			packet.subarray(XNONCE_BYTES, COOKIE_REPLY_BYTES),
			mac1,
			packet.subarray(0, XNONCE_BYTES),
			cookieKey(responderPublicKey),
		);
	} catch {
		return undefined;
	}

	return cookie;
}
