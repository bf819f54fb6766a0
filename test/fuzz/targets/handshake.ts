import {randomBytes} from 'node:crypto';
import {TornetError} from '../../../source/errors.js';
import {sha256} from '../../../source/identity/hash.js';
import {nodeIdFromPublicKey} from '../../../source/identity/id.js';
import {sign} from '../../../source/identity/keys.js';
import {mac, MAC_BYTES} from '../../../source/wire/cookie.js';
import {
	createInitiation,
	createResponse,
	hasValidMac1,
	type PendingInitiation,
	readInitiation,
	readResponse,
	responderKeys,
} from '../../../source/wire/handshake.js';
import {
	decodeInitiationPayload,
	decodeResponsePayload,
	encodeInitiationPayload,
	encodeResponsePayload,
	INITIATION_PAYLOAD_BYTES,
	RESPONSE_PAYLOAD_BYTES,
} from '../../../source/wire/handshake-payload.js';
import {applyMask, HEADER_BYTES} from '../../../source/wire/header-protection.js';
import {dhKeyPairFromSecret, HandshakeState} from '../../../source/wire/noise.js';
import {identityWithRank} from '../../helpers/identities.js';
import {check, roundTrip, sameValue, type TargetSpec} from '../target.js';

/** The handshake's fixed strings (handshake.ts keeps them private; the wire format is public). */
const PROLOGUE = Buffer.from('tornet/v1');
const INITIATOR_LABEL = Buffer.from('tornet/v1 initiator');
const KEY_BYTES = 32;

const initiator = identityWithRank(0);
const responder = identityWithRank(0);
const keys = responderKeys(responder.publicKey);

function initiate(): {packet: Buffer; pending: PendingInitiation} {
	const result = createInitiation({
		identity: initiator,
		remotePublicKey: responder.publicKey,
		localCid: randomBytes(8),
		localHeaderKey: randomBytes(32),
		timestamp: Date.now(),
	});
	if (result instanceof TornetError) throw result;
	return result;
}

export const handshakePayloadTarget: TargetSpec = {
	name: 'handshake-payload',
	about: 'wire/handshake-payload: both payload decoders, padding length field, round trip',
	create(random) {
		const seeds: Uint8Array[] = [];
		for (let i = 0; i < 16; i++) {
			seeds.push(
				encodeInitiationPayload(
					{
						identityKey: initiator.publicKey,
						powNonce: initiator.nonce,
						timestamp: 1_700_000_000_000 + i,
						cid: random.bytes(8),
						headerKey: random.bytes(32),
						signature: random.bytes(64),
					},
					random.smallLength(600),
				),
				encodeResponsePayload(
					{
						requiredRank: random.chance(0.5) ? 0 : random.int(40),
						powNonce: responder.nonce,
						cid: random.bytes(8),
						headerKey: random.bytes(32),
						signature: random.bytes(64),
					},
					random.smallLength(600),
				),
			);
		}

		return {
			seeds,
			maxBytes: 1400,
			run(input) {
				const initiation = decodeInitiationPayload(input);
				// A timestamp past 2^53 ms decodes inexactly (2^64 - 1 rounds to 2^64, which the
				// encoder refuses). Only compared for freshness, so harmless; listed for the lead.
				if (initiation && initiation.timestamp <= Number.MAX_SAFE_INTEGER) {
					roundTrip(
						initiation,
						(v) => encodeInitiationPayload(v, input.length - INITIATION_PAYLOAD_BYTES),
						decodeInitiationPayload,
					);
				}

				const response = decodeResponsePayload(input);
				if (response) {
					roundTrip(
						response,
						(v) => encodeResponsePayload(v, input.length - RESPONSE_PAYLOAD_BYTES),
						decodeResponsePayload,
					);
				}
			},
		};
	},
};

export const initiationTarget: TargetSpec = {
	name: 'handshake-initiation',
	about:
		'mutated real initiations into hasValidMac1 and readInitiation (mask, Noise IK, payload, identity, signature)',
	weight: 0.2,
	create() {
		const scratch = Buffer.alloc(MAC_BYTES);
		const seeds = Array.from({length: 8}, () => initiate().packet);
		return {
			seeds,
			maxBytes: 1300,
			run(input) {
				hasValidMac1(input, keys, scratch);
				const accepted = readInitiation(input, responder, keys);
				if (accepted instanceof TornetError) return;
				// Only the real initiator can make an initiation that decrypts and verifies.
				check(
					accepted.peer.publicKey.equals(initiator.publicKey),
					'initiation from a forged identity',
				);
				check(accepted.peer.id.equals(nodeIdFromPublicKey(accepted.peer.publicKey)), 'peer id');
			},
		};
	},
};

/**
 * Behind the AEAD of the initiation: the input is the payload, sealed by a real Noise initiator
 * with a fixed ephemeral key (so the seed payloads carry valid signatures), masked and given a
 * valid mac1, then read by the responder. Reaches the payload decoder, the identity/static key
 * match, rank and signature checks.
 */
export const sealedInitiationTarget: TargetSpec = {
	name: 'handshake-initiation-payload',
	about:
		'mutated initiation payloads sealed by a real Noise initiator → readInitiation (payload, key match, rank, signature)',
	weight: 0.2,
	create(random) {
		const ephemeral = dhKeyPairFromSecret(randomBytes(32));
		const signature = sign(
			Buffer.concat([INITIATOR_LABEL, ephemeral.publicKey, responder.noisePublicKey]),
			initiator.secretKey,
		);
		const seeds: Uint8Array[] = [];
		for (let i = 0; i < 8; i++) {
			seeds.push(
				encodeInitiationPayload(
					{
						identityKey: initiator.publicKey,
						powNonce: initiator.nonce,
						timestamp: Date.now() + i,
						cid: random.bytes(8),
						headerKey: random.bytes(32),
						signature,
					},
					random.smallLength(400),
				),
			);
		}

		return {
			seeds,
			maxBytes: 1100,
			run(input) {
				const noise = HandshakeState.create({
					pattern: 'IK',
					initiator: true,
					e: ephemeral,
					hash: 'SHA256',
					prologue: PROLOGUE,
					s: {publicKey: initiator.noisePublicKey, secretKey: initiator.noiseSecretKey},
					rs: responder.noisePublicKey,
				});
				const message = noise.writeMessage(input);
				const packet = Buffer.alloc(message.length + 2 * MAC_BYTES);
				message.copy(packet);
				applyMask(packet, 0, KEY_BYTES, KEY_BYTES, keys.maskKey);
				mac(
					packet.subarray(message.length, message.length + MAC_BYTES),
					keys.mac1Key,
					packet.subarray(0, message.length),
				);
				const accepted = readInitiation(packet, responder, keys);
				if (accepted instanceof TornetError) return;
				check(
					accepted.peer.publicKey.equals(initiator.publicKey),
					'initiation from a forged identity',
				);
				sameValue(
					accepted.payload,
					decodeInitiationPayload(input),
					'payload read by the responder',
				);
			},
		};
	},
};

/**
 * Mutated responses to a live initiation (header bytes included: the endpoint unmasks them before
 * readResponse). A response that completes the handshake consumes the initiation; the seeds are
 * then replaced by responses to a new one.
 */
export const responseTarget: TargetSpec = {
	name: 'handshake-response',
	about:
		'mutated real responses into readResponse for a pending initiation (mask, Noise, payload, signature, rank)',
	weight: 0.2,
	create() {
		let state = respondTo();
		const seeds = state.responses;
		function respondTo() {
			const {packet, pending} = initiate();
			const responses: Uint8Array[] = [];
			for (let i = 0; i < 4; i++) {
				const accepted = readInitiation(packet, responder, keys);
				if (accepted instanceof TornetError) throw accepted;
				responses.push(
					createResponse(accepted, {
						identity: responder,
						localCid: randomBytes(8),
						localHeaderKey: randomBytes(32),
					}).packet,
				);
			}

			return {pending, responses};
		}

		return {
			seeds,
			maxBytes: 1300,
			run(input) {
				const result = readResponse(input, state.pending, 0);
				if (result instanceof TornetError) return;
				check(result.peer.publicKey.equals(responder.publicKey), 'response from a forged identity');
				state = respondTo();
				seeds.splice(0, seeds.length, ...state.responses);
			},
		};
	},
};

/**
 * Behind the AEAD of the response: a fresh handshake per input, whose responder seals the mutated
 * payload. Signatures in the seeds belong to other handshakes, so this reaches the decoder and the
 * signature check, not success.
 */
export const sealedResponseTarget: TargetSpec = {
	name: 'handshake-response-payload',
	about:
		'mutated response payloads sealed by a real Noise responder → readResponse (payload decoder, signature, refusal)',
	weight: 0.05,
	create(random) {
		const seeds: Uint8Array[] = [];
		for (let i = 0; i < 8; i++) {
			seeds.push(
				encodeResponsePayload(
					{
						requiredRank: random.chance(0.7) ? 0 : random.int(30),
						powNonce: responder.nonce,
						cid: random.bytes(8),
						headerKey: random.bytes(32),
						signature: random.bytes(64),
					},
					random.smallLength(300),
				),
			);
		}

		return {
			seeds,
			maxBytes: 1000,
			run(input) {
				const {packet: initiation, pending} = initiate();
				const accepted = readInitiation(initiation, responder, keys);
				if (accepted instanceof TornetError) throw accepted;
				const message = accepted.noise.writeMessage(input);
				const packet = Buffer.alloc(HEADER_BYTES + message.length);
				message.copy(packet, HEADER_BYTES);
				const maskKey = sha256(Buffer.from('tornet/v1 response mask'), pending.localHeaderKey);
				applyMask(packet, HEADER_BYTES, KEY_BYTES, HEADER_BYTES + KEY_BYTES, maskKey);
				const result = readResponse(packet, pending, 0);
				check(result instanceof TornetError, 'a response with a foreign signature was accepted');
			},
		};
	},
};
