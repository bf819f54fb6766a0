import {varintLength} from '../util/varint.js';

/**
 * What one DHT message costs on the wire beyond its payload (docs/protocol.md §4–6), for traffic
 * meters: the real adapter's (which sees payloads, not packets) and the simulator's.
 *
 *   IPv4 + UDP headers                        28
 *   packet header (cid 8, packet number 4)    12
 *   AEAD tag                                  16
 *   DATAGRAM frame: type ‖ varint length       2–3
 *   RPC header: type ‖ varint id (‖ u8 method length ‖ method, requests only)
 *   random PADDING, 0–64 bytes                 32 on average, only in packets under 256 bytes of
 *                                              plaintext (a full packet's length says little)
 */
export const IP_UDP_BYTES = 28;
export const PACKET_BYTES = 12 + 16;
export const MEAN_PADDING = 32;
/** Packets with less plaintext than this get random padding (transport/packet-sender.ts). */
export const PAD_BELOW = 256;
/**
 * Request ids count up to 2^30 and wrap: past the first 16,383 requests every id takes 4 bytes,
 * so a long-running node's steady state is 4.
 */
export const ID_VARINT_BYTES = 4;

function datagramCost(messageBytes: number): number {
	const plaintext = 1 + varintLength(messageBytes) + messageBytes;
	return IP_UDP_BYTES + PACKET_BYTES + plaintext + (plaintext < PAD_BELOW ? MEAN_PADDING : 0);
}

/** Wire bytes of a request carrying `bodyBytes` of DHT payload. */
export function requestWireBytes(method: string, bodyBytes: number): number {
	return datagramCost(1 + ID_VARINT_BYTES + 1 + method.length + bodyBytes);
}

/** Wire bytes of a reply carrying `bodyBytes` of DHT payload. */
export function replyWireBytes(bodyBytes: number): number {
	return datagramCost(1 + ID_VARINT_BYTES + bodyBytes);
}
