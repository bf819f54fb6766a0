import sodium from 'sodium-native';
import {applyMask, CID_BYTES, HEADER_BYTES, SAMPLE_BYTES} from './header-protection.js';
import {epochOf, PacketKeys} from './packet-keys.js';
import {ReplayWindow} from './replay-window.js';

/**
 * One direction pair of an established connection: seals outgoing packets and opens incoming ones.
 *
 * Data packet: header (receiver's connection id ‖ packet number, 12 bytes, masked with the
 * receiver's header key) ‖ ChaCha20-Poly1305(frames), with nonce = IV ⊕ packet number and the
 * unmasked header as associated data. Everything goes into caller-provided buffers.
 */
export const TAG_BYTES = 16;
export const PACKET_OVERHEAD = HEADER_BYTES + TAG_BYTES;
/** Packet numbers are 32-bit and never reused; a connection must close before reaching this. */
export const MAX_PACKET_NUMBER = 0xffff_fff0;

export type SessionKeys = {
	sendSecret: Uint8Array;
	receiveSecret: Uint8Array;
	/** The connection id the peer chose; it heads every packet we send. */
	remoteCid: Uint8Array;
	/** The peer's header key: masks what we send to it. */
	remoteHeaderKey: Uint8Array;
};

export type OpenResult =
	{ok: true; plaintext: Uint8Array} | {ok: false; reason: 'replayed' | 'decrypt' | 'expired'};

export class Session {
	private readonly sendKeys: PacketKeys;
	private readonly receiveKeys: PacketKeys;
	private readonly remoteCid: Uint8Array;
	private readonly remoteHeaderKey: Uint8Array;
	private readonly replay = new ReplayWindow();
	private readonly nonce = Buffer.alloc(12);
	private receiveEpoch = 0;
	private sendEpoch = 0;

	constructor(keys: SessionKeys) {
		this.sendKeys = new PacketKeys(keys.sendSecret);
		this.receiveKeys = new PacketKeys(keys.receiveSecret);
		this.remoteCid = Buffer.from(keys.remoteCid);
		this.remoteHeaderKey = Buffer.from(keys.remoteHeaderKey);
	}

	/**
	 * Seal `plaintext` as packet `packetNumber` into `out` (which must hold plaintext + 28 bytes).
	 * Returns the packet length. `plaintext` must not overlap `out`.
	 */
	seal(packetNumber: number, plaintext: Uint8Array, out: Uint8Array): number {
		const length = HEADER_BYTES + plaintext.length + TAG_BYTES;
		out.set(this.remoteCid, 0);
		writeU32(out, CID_BYTES, packetNumber);
		this.setNonce(this.sendKeys.iv, packetNumber);
		const epoch = epochOf(packetNumber);
		const key = this.sendKeys.key(epoch)!;
		const header = out.subarray(0, HEADER_BYTES);
		sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
			out.subarray(HEADER_BYTES, length),
			plaintext,
			header,
			null,
			this.nonce,
			key,
		);
		applyMask(out, 0, HEADER_BYTES, HEADER_BYTES, this.remoteHeaderKey);
		if (epoch > this.sendEpoch) {
			this.sendEpoch = epoch;
			this.sendKeys.forgetBefore(epoch);
		}

		return length;
	}

	/**
	 * Open a packet whose header the endpoint has already unmasked into `header` (cid ‖ pn).
	 * The plaintext is written to `out`; the result is a view of it.
	 */
	open(packet: Uint8Array, header: Uint8Array, out: Uint8Array): OpenResult {
		const packetNumber = readU32(header, CID_BYTES);
		if (!this.replay.check(packetNumber)) return {ok: false, reason: 'replayed'};
		const epoch = epochOf(packetNumber);
		// Packet numbers only count up, so a packet two epochs past the newest one opened means 4M
		// packets lost in a row: it is forged or corrupt. Refuse it before deriving keys for it.
		if (epoch > this.receiveEpoch + 1) return {ok: false, reason: 'decrypt'};
		const key = this.receiveKeys.key(epoch);
		if (!key) return {ok: false, reason: 'expired'};
		this.setNonce(this.receiveKeys.iv, packetNumber);
		const plaintextLength = packet.length - HEADER_BYTES - TAG_BYTES;
		const plaintext = out.subarray(0, plaintextLength);
		try {
			sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
				plaintext,
				null,
				packet.subarray(HEADER_BYTES),
				header,
				this.nonce,
				key,
			);
		} catch {
			return {ok: false, reason: 'decrypt'};
		}

		this.replay.accept(packetNumber);
		if (epoch > this.receiveEpoch) {
			this.receiveEpoch = epoch;
			this.receiveKeys.forgetBefore(epoch);
		}

		return {ok: true, plaintext};
	}

	get highestReceived(): number {
		return this.replay.highestSeen;
	}

	private setNonce(iv: Uint8Array, packetNumber: number): void {
		this.nonce.set(iv);
		this.nonce[8] ^= packetNumber >>> 24;
		this.nonce[9] ^= (packetNumber >>> 16) & 0xff;
		this.nonce[10] ^= (packetNumber >>> 8) & 0xff;
		this.nonce[11] ^= packetNumber & 0xff;
	}
}

/** The smallest packet that can carry a header and a sample: header + tag. */
export const MIN_PACKET_BYTES = HEADER_BYTES + Math.max(TAG_BYTES, SAMPLE_BYTES);

/** Unmask the header of a received packet into `header` without touching the packet. */
export function unmaskHeader(
	packet: Uint8Array,
	localHeaderKey: Uint8Array,
	header: Uint8Array,
): boolean {
	if (packet.length < MIN_PACKET_BYTES) return false;
	applyMask(packet, 0, HEADER_BYTES, HEADER_BYTES, localHeaderKey, header, 0);
	return true;
}

export function writeU32(buffer: Uint8Array, offset: number, value: number): void {
	buffer[offset] = value >>> 24;
	buffer[offset + 1] = (value >>> 16) & 0xff;
	buffer[offset + 2] = (value >>> 8) & 0xff;
	buffer[offset + 3] = value & 0xff;
}

export function readU32(buffer: Uint8Array, offset: number): number {
	return (
		((buffer[offset] << 24) |
			(buffer[offset + 1] << 16) |
			(buffer[offset + 2] << 8) |
			buffer[offset + 3]) >>>
		0
	);
}
