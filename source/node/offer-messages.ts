import {TornetError} from '../errors.js';
import {ID_BYTES} from '../identity/hash.js';
import {isChunkSize} from '../chunks/slices.js';

/**
 * chunk.offer (RPC request, one datagram each way): a publisher asks a node to store a chunk.
 *
 *   request  chunk id (20 B) ‖ u32 size ‖ u64 offered credits ‖ event id (16 B)
 *   reply    u8 status (0 stored now, 1 held already) ‖ u64 credits charged
 *   error    RANK_TOO_LOW, PAYMENT_REQUIRED (the price in its bracketed figures), DISK_FULL,
 *            TOO_MANY_REQUESTS, NOT_FOUND / CORRUPT (the pull from the publisher failed)
 *
 * The node pulls the chunk from the publisher over the ordinary chunk transfer before it answers;
 * the charge is one ledger event named `publish-<event id hex>` on both sides.
 */
export const OFFER_METHOD = 'chunk.offer';
export const OFFER_EVENT_ID_BYTES = 16;
export const OFFER_REQUEST_BYTES = ID_BYTES + 4 + 8 + OFFER_EVENT_ID_BYTES;
export const OFFER_REPLY_BYTES = 1 + 8;
/** Offers and charges travel as u64. */
export const MAX_OFFER = (1n << 64n) - 1n;

export type OfferRequest = {chunkId: Buffer; size: number; offered: bigint; eventId: Buffer};
export type OfferReply = {status: 'stored' | 'held'; charged: bigint};

export function offerEventId(eventId: Uint8Array): string {
	return `publish-${Buffer.from(eventId).toString('hex')}`;
}

export function encodeOfferRequest(request: OfferRequest): Buffer {
	if (request.chunkId.length !== ID_BYTES || request.eventId.length !== OFFER_EVENT_ID_BYTES)
		throw TornetError.badArgument('chunk.offer needs a 20-byte chunk id and a 16-byte event id');
	if (request.offered < 0n || request.offered > MAX_OFFER)
		throw TornetError.badArgument(`offer ${request.offered} is outside u64`);
	const out = Buffer.alloc(OFFER_REQUEST_BYTES);
	request.chunkId.copy(out, 0);
	out.writeUInt32BE(request.size, ID_BYTES);
	out.writeBigUInt64BE(request.offered, ID_BYTES + 4);
	request.eventId.copy(out, ID_BYTES + 12);
	return out;
}

/** Total: any bytes give a request or a BAD_MESSAGE value, never a throw. */
export function decodeOfferRequest(body: Buffer): OfferRequest | TornetError {
	if (body.length !== OFFER_REQUEST_BYTES)
		return TornetError.badMessage(`chunk.offer of ${body.length} bytes`);
	const size = body.readUInt32BE(ID_BYTES);
	if (!isChunkSize(size)) return TornetError.badMessage(`chunk.offer of a ${size}-byte chunk`);
	return {
		chunkId: Buffer.from(body.subarray(0, ID_BYTES)),
		size,
		offered: body.readBigUInt64BE(ID_BYTES + 4),
		eventId: Buffer.from(body.subarray(ID_BYTES + 12)),
	};
}

export function encodeOfferReply(reply: OfferReply): Buffer {
	const out = Buffer.alloc(OFFER_REPLY_BYTES);
	out[0] = reply.status === 'stored' ? 0 : 1;
	out.writeBigUInt64BE(reply.charged, 1);
	return out;
}

/** Total; a charge above what was offered is a lie and reads as BAD_MESSAGE. */
export function decodeOfferReply(body: Buffer, offered: bigint): OfferReply | TornetError {
	if (body.length !== OFFER_REPLY_BYTES || body[0] > 1)
		return TornetError.badMessage(`chunk.offer reply of ${body.length} bytes`);
	const charged = body.readBigUInt64BE(1);
	if (charged > offered)
		return TornetError.badMessage(`charged ${charged} for an offer of ${offered}`);
	return {status: body[0] === 0 ? 'stored' : 'held', charged};
}
