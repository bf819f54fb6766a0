import {Reader} from '../util/varint.js';
import {PUBLIC_KEY_BYTES, SIGNATURE_BYTES} from '../identity/keys.js';
import {NONCE_BYTES} from '../identity/rank.js';
import {CID_BYTES, HEADER_KEY_BYTES} from './header-protection.js';

/**
 * What travels encrypted inside the two Noise IK messages. Both end in padding of random length
 * so that handshake packets have no fixed length.
 */
export const PROTOCOL_VERSION = 1;

export type InitiationPayload = {
	identityKey: Buffer;
	powNonce: Buffer;
	/** Milliseconds since the epoch, strictly increasing per identity: stops replayed initiations. */
	timestamp: number;
	cid: Buffer;
	headerKey: Buffer;
	signature: Buffer;
};

export type ResponsePayload = {
	/** 0 when the responder accepts; otherwise it refuses and this is the rank it requires. */
	requiredRank: number;
	powNonce: Buffer;
	cid: Buffer;
	headerKey: Buffer;
	signature: Buffer;
};

export const INITIATION_PAYLOAD_BYTES =
	1 + PUBLIC_KEY_BYTES + NONCE_BYTES + 8 + CID_BYTES + HEADER_KEY_BYTES + SIGNATURE_BYTES + 2;
export const RESPONSE_PAYLOAD_BYTES =
	1 + 1 + NONCE_BYTES + CID_BYTES + HEADER_KEY_BYTES + SIGNATURE_BYTES + 2;

export function encodeInitiationPayload(payload: InitiationPayload, padding: number): Buffer {
	const out = Buffer.alloc(INITIATION_PAYLOAD_BYTES + padding);
	let offset = out.writeUInt8(PROTOCOL_VERSION, 0);
	offset += payload.identityKey.copy(out, offset);
	offset += payload.powNonce.copy(out, offset);
	offset = out.writeBigUInt64BE(BigInt(payload.timestamp), offset);
	offset += payload.cid.copy(out, offset);
	offset += payload.headerKey.copy(out, offset);
	offset += payload.signature.copy(out, offset);
	out.writeUInt16BE(padding, offset); // The padding itself stays zero: it is encrypted.
	return out;
}

export function decodeInitiationPayload(bytes: Uint8Array): InitiationPayload | undefined {
	const reader = new Reader(bytes);
	if (reader.u8() !== PROTOCOL_VERSION) return undefined;
	const identityKey = reader.buffer(PUBLIC_KEY_BYTES);
	const powNonce = reader.buffer(NONCE_BYTES);
	const high = reader.u32();
	const low = reader.u32();
	const cid = reader.buffer(CID_BYTES);
	const headerKey = reader.buffer(HEADER_KEY_BYTES);
	const signature = reader.buffer(SIGNATURE_BYTES);
	const padding = reader.u16();
	if (reader.failed || reader.remaining !== padding) return undefined;
	return {identityKey, powNonce, timestamp: high * 0x1_0000_0000 + low, cid, headerKey, signature};
}

export function encodeResponsePayload(payload: ResponsePayload, padding: number): Buffer {
	const out = Buffer.alloc(RESPONSE_PAYLOAD_BYTES + padding);
	let offset = out.writeUInt8(PROTOCOL_VERSION, 0);
	offset = out.writeUInt8(payload.requiredRank, offset);
	offset += payload.powNonce.copy(out, offset);
	offset += payload.cid.copy(out, offset);
	offset += payload.headerKey.copy(out, offset);
	offset += payload.signature.copy(out, offset);
	out.writeUInt16BE(padding, offset); // The padding itself stays zero: it is encrypted.
	return out;
}

export function decodeResponsePayload(bytes: Uint8Array): ResponsePayload | undefined {
	const reader = new Reader(bytes);
	if (reader.u8() !== PROTOCOL_VERSION) return undefined;
	const requiredRank = reader.u8();
	const powNonce = reader.buffer(NONCE_BYTES);
	const cid = reader.buffer(CID_BYTES);
	const headerKey = reader.buffer(HEADER_KEY_BYTES);
	const signature = reader.buffer(SIGNATURE_BYTES);
	const padding = reader.u16();
	if (reader.failed || reader.remaining !== padding) return undefined;
	return {requiredRank, powNonce, cid, headerKey, signature};
}
