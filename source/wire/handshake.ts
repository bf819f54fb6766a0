import {randomBytes} from 'node:crypto';
import {TornetError} from '../errors.js';
import {sha256} from '../identity/hash.js';
import {nodeIdFromPublicKey} from '../identity/id.js';
import {noisePublicKey, sign, verify, type Identity} from '../identity/keys.js';
import {rankOf} from '../identity/rank.js';
import {mac, MAC_BYTES} from './cookie.js';
import {applyMask, HEADER_BYTES, SAMPLE_BYTES} from './header-protection.js';
import {
	decodeInitiationPayload,
	decodeResponsePayload,
	encodeInitiationPayload,
	encodeResponsePayload,
	INITIATION_PAYLOAD_BYTES,
	RESPONSE_PAYLOAD_BYTES,
	type InitiationPayload,
} from './handshake-payload.js';
import {generateDhKeyPair, HandshakeState, type DhKeyPair} from './noise.js';
import type {SessionKeys} from './session.js';

/**
 * tornet's handshake: Noise IK (25519, ChaChaPoly, SHA256), the responder's static key known from
 * its address. See docs/protocol.md for the byte layout.
 *
 * Initiation: masked e (32) ‖ encrypted s (48) ‖ encrypted payload ‖ mac1 (16) ‖ mac2 (16)
 * Response:   masked header (12) ‖ masked e (32) ‖ encrypted payload
 */
const PROLOGUE = Buffer.from('tornet/v1');
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const S_END = KEY_BYTES + KEY_BYTES + TAG_BYTES;
export const MIN_INITIATION_BYTES = S_END + INITIATION_PAYLOAD_BYTES + TAG_BYTES + 2 * MAC_BYTES;
export const MIN_RESPONSE_BYTES = HEADER_BYTES + KEY_BYTES + RESPONSE_PAYLOAD_BYTES + TAG_BYTES;
/** Handshake packets stay under the minimum path MTU so they are never fragmented. */
export const MAX_HANDSHAKE_BYTES = 1200;
/** Initiations are padded up to here at random; responses never exceed what they answer. */
const MAX_INITIATION_PADDING = 600;

const INITIATOR_LABEL = Buffer.from('tornet/v1 initiator');
const RESPONDER_LABEL = Buffer.from('tornet/v1 responder');

/** Keys every initiator derives from the responder's public key, and the responder once for itself. */
export type ResponderKeys = {maskKey: Buffer; mac1Key: Buffer};

export function responderKeys(publicKey: Uint8Array): ResponderKeys {
	return {
		maskKey: sha256(Buffer.from('tornet/v1 mask'), publicKey),
		mac1Key: sha256(Buffer.from('tornet/v1 mac1'), publicKey),
	};
}

function ephemeralMaskKey(headerKey: Uint8Array): Buffer {
	return sha256(Buffer.from('tornet/v1 response mask'), headerKey);
}

export type PendingInitiation = {
	noise: HandshakeState;
	remotePublicKey: Buffer;
	mac1: Buffer;
	localCid: Buffer;
	localHeaderKey: Buffer;
	length: number;
};

export type PeerIdentity = {publicKey: Buffer; id: Buffer; rank: number};

export function createInitiation(options: {
	identity: Identity;
	remotePublicKey: Buffer;
	localCid: Buffer;
	localHeaderKey: Buffer;
	cookie?: Buffer;
	timestamp: number;
}): {packet: Buffer; pending: PendingInitiation} | TornetError {
	const remoteStatic = noisePublicKey(options.remotePublicKey);
	if (!remoteStatic)
		return TornetError.badAddress(
			options.remotePublicKey.toString('hex'),
			'not an Ed25519 public key',
		);
	// The ephemeral key is made here, not inside Noise, because the payload signs it.
	const ephemeral = generateDhKeyPair();
	const noise = HandshakeState.create({
		pattern: 'IK',
		initiator: true,
		e: ephemeral,
		hash: 'SHA256',
		prologue: PROLOGUE,
		s: {publicKey: options.identity.noisePublicKey, secretKey: options.identity.noiseSecretKey},
		rs: remoteStatic,
	});
	// The signature binds the Ed25519 identity to this handshake: it covers our fresh ephemeral key
	// and the responder's static key.
	const signature = sign(
		Buffer.concat([INITIATOR_LABEL, ephemeral.publicKey, remoteStatic]),
		options.identity.secretKey,
	);
	const padding = Math.floor(Math.random() * (MAX_INITIATION_PADDING + 1));
	const payload = encodeInitiationPayload(
		{
			identityKey: options.identity.publicKey,
			powNonce: options.identity.nonce,
			timestamp: options.timestamp,
			cid: options.localCid,
			headerKey: options.localHeaderKey,
			signature,
		},
		padding,
	);
	const message = noise.writeMessage(payload);
	const packet = Buffer.alloc(message.length + 2 * MAC_BYTES);
	message.copy(packet);
	const keys = responderKeys(options.remotePublicKey);
	applyMask(packet, 0, KEY_BYTES, KEY_BYTES, keys.maskKey);
	const mac1 = packet.subarray(message.length, message.length + MAC_BYTES);
	mac(mac1, keys.mac1Key, packet.subarray(0, message.length));
	const mac2 = packet.subarray(message.length + MAC_BYTES);
	if (options.cookie) mac(mac2, options.cookie, packet.subarray(0, message.length + MAC_BYTES));
	else randomBytes(MAC_BYTES).copy(mac2);
	return {
		packet,
		pending: {
			noise,
			remotePublicKey: options.remotePublicKey,
			mac1: Buffer.from(mac1),
			localCid: options.localCid,
			localHeaderKey: options.localHeaderKey,
			length: packet.length,
		},
	};
}

/** Cheap first test of an unrecognised packet: does its mac1 say it was made for us? */
export function hasValidMac1(packet: Uint8Array, keys: ResponderKeys, scratch: Buffer): boolean {
	if (packet.length < MIN_INITIATION_BYTES || packet.length > MAX_HANDSHAKE_BYTES) return false;
	const end = packet.length - 2 * MAC_BYTES;
	mac(scratch, keys.mac1Key, packet.subarray(0, end));
	return scratch.equals(packet.subarray(end, end + MAC_BYTES));
}

export function mac1Of(packet: Uint8Array): Buffer {
	const end = packet.length - 2 * MAC_BYTES;
	return Buffer.from(packet.subarray(end, end + MAC_BYTES));
}

export type AcceptedInitiation = {
	noise: HandshakeState;
	ephemeral: DhKeyPair;
	payload: InitiationPayload;
	peer: PeerIdentity;
	length: number;
};

/**
 * Responder: decrypt and check an initiation whose mac1 was valid. No state is kept on failure.
 * The caller compares `peer.rank` with its minimum and answers a low rank with a refusal.
 */
export function readInitiation(
	packet: Uint8Array,
	identity: Identity,
	keys: ResponderKeys,
): AcceptedInitiation | TornetError {
	// The endpoint's mac1 check bounds the length already; a decoder of network input checks anyway.
	if (packet.length < MIN_INITIATION_BYTES || packet.length > MAX_HANDSHAKE_BYTES)
		return TornetError.handshakeFailed('initiation length out of range');
	const message = Buffer.from(packet.subarray(0, packet.length - 2 * MAC_BYTES));
	applyMask(message, 0, KEY_BYTES, KEY_BYTES, keys.maskKey);
	const ephemeral = generateDhKeyPair();
	const noise = HandshakeState.create({
		pattern: 'IK',
		initiator: false,
		e: ephemeral,
		hash: 'SHA256',
		prologue: PROLOGUE,
		s: {publicKey: identity.noisePublicKey, secretKey: identity.noiseSecretKey},
	});
	const plaintext = noise.readMessage(message);
	if (!plaintext) return TornetError.handshakeFailed('initiation did not decrypt');
	const payload = decodeInitiationPayload(plaintext);
	if (!payload) return TornetError.handshakeFailed('malformed initiation payload');
	const staticFromIdentity = noisePublicKey(payload.identityKey);
	if (!staticFromIdentity?.equals(noise.remoteStaticKey!)) {
		return TornetError.handshakeFailed('identity key does not match the Noise static key');
	}

	const rank = rankOf(payload.identityKey, payload.powNonce);
	const signed = Buffer.concat([
		INITIATOR_LABEL,
		noise.remoteEphemeralKey!,
		identity.noisePublicKey,
	]);
	if (!verify(payload.signature, signed, payload.identityKey))
		return TornetError.badSignature('initiation');
	return {
		noise,
		ephemeral,
		payload,
		peer: {publicKey: payload.identityKey, id: nodeIdFromPublicKey(payload.identityKey), rank},
		length: packet.length,
	};
}

export function createResponse(
	accepted: AcceptedInitiation,
	options: {identity: Identity; localCid: Buffer; localHeaderKey: Buffer; refuseBelowRank?: number},
): {packet: Buffer; keys: SessionKeys} {
	const {noise, payload: initiation} = accepted;
	const signature = sign(
		Buffer.concat([RESPONDER_LABEL, noise.remoteEphemeralKey!, accepted.ephemeral.publicKey]),
		options.identity.secretKey,
	);
	// Never answer with more bytes than the initiation had: no amplification.
	const room = accepted.length - MIN_RESPONSE_BYTES;
	const padding = Math.floor(Math.random() * (room + 1));
	const payload = encodeResponsePayload(
		{
			requiredRank: options.refuseBelowRank ?? 0,
			powNonce: options.identity.nonce,
			cid: options.localCid,
			headerKey: options.localHeaderKey,
			signature,
		},
		padding,
	);
	const message = noise.writeMessage(payload);
	const packet = Buffer.alloc(HEADER_BYTES + message.length);
	initiation.cid.copy(packet, 0);
	randomBytes(4).copy(packet, initiation.cid.length);
	message.copy(packet, HEADER_BYTES);
	applyMask(
		packet,
		HEADER_BYTES,
		KEY_BYTES,
		HEADER_BYTES + KEY_BYTES,
		ephemeralMaskKey(initiation.headerKey),
	);
	applyMask(packet, 0, HEADER_BYTES, HEADER_BYTES, initiation.headerKey);
	const split = noise.split();
	return {
		packet,
		keys: {
			sendSecret: split.responderToInitiator.key!,
			receiveSecret: split.initiatorToResponder.key!,
			remoteCid: initiation.cid,
			remoteHeaderKey: initiation.headerKey,
		},
	};
}

/** Initiator: finish the handshake from a response whose header the endpoint has unmasked. */
export function readResponse(
	packet: Uint8Array,
	pending: PendingInitiation,
	minRank: number,
): {keys: SessionKeys; peer: PeerIdentity} | TornetError {
	if (
		packet.length < MIN_RESPONSE_BYTES ||
		packet.length < HEADER_BYTES + KEY_BYTES + SAMPLE_BYTES
	) {
		return TornetError.handshakeFailed('response too short');
	}

	const message = Buffer.from(packet.subarray(HEADER_BYTES));
	applyMask(message, 0, KEY_BYTES, KEY_BYTES, ephemeralMaskKey(pending.localHeaderKey));
	const plaintext = pending.noise.readMessage(message);
	if (!plaintext) return TornetError.handshakeFailed('response did not decrypt');
	const payload = decodeResponsePayload(plaintext);
	if (!payload) return TornetError.handshakeFailed('malformed response payload');
	const signedBy = Buffer.concat([
		RESPONDER_LABEL,
		pending.noise.localEphemeralKey!,
		pending.noise.remoteEphemeralKey!,
	]);
	if (!verify(payload.signature, signedBy, pending.remotePublicKey))
		return TornetError.badSignature('response');
	if (payload.requiredRank > 0) {
		return new TornetError(
			'RANK_TOO_LOW',
			`the peer requires rank ${payload.requiredRank}; raise ours with \`tornet rank --target ${payload.requiredRank}\``,
		);
	}

	const rank = rankOf(pending.remotePublicKey, payload.powNonce);
	if (rank < minRank) return TornetError.rankTooLow(rank, minRank);
	const split = pending.noise.split();
	return {
		keys: {
			sendSecret: split.initiatorToResponder.key!,
			receiveSecret: split.responderToInitiator.key!,
			remoteCid: payload.cid,
			remoteHeaderKey: payload.headerKey,
		},
		peer: {
			publicKey: pending.remotePublicKey,
			id: nodeIdFromPublicKey(pending.remotePublicKey),
			rank,
		},
	};
}
