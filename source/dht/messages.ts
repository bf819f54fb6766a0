import {TornetError} from '../errors.js';
import {ID_BYTES} from '../identity/hash.js';
import {nodeIdFromPublicKey} from '../identity/id.js';
import {PUBLIC_KEY_BYTES} from '../identity/keys.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';
import {bytesToIp, ipToBytes} from './ip-bytes.js';

/**
 * Byte codecs for every DHT message (the payloads the RPC layer carries; method numbers below).
 * Decoders are total: bad bytes give a TornetError value, never a throw, and every count is bounded
 * before anything is allocated. Encoders take trusted input (our own ContactBook) and throw on bugs.
 *
 * A contact on the wire is: Ed25519 public key (32) ‖ rank (u8) ‖ family (4 or 6) ‖ address (4 or
 * 16) ‖ port (u16) = 40 bytes for IPv4, 52 for IPv6. The node id is not sent: it is
 * hash160(public key), so the receiver derives it. Sending it too would cost 20 bytes per contact
 * and invite ids that do not match their keys, which a hostile node would use to place itself
 * next to any target (S/Kademlia's first rule).
 */

/** RPC method names for the adapter (short: the name travels in every request). */
export const DHT_METHODS = {
	ping: 'dht.ping',
	findNode: 'dht.node',
	findChunk: 'dht.chunk',
	storeReference: 'dht.ref',
} as const;

/** Replies carry at most k contacts and a few holder references. */
export const MAX_CONTACTS = 20;
export const MAX_REFERENCES = 4;
export const CONTACT_BYTES_V4 = PUBLIC_KEY_BYTES + 1 + 1 + 4 + 2;
export const CONTACT_BYTES_V6 = PUBLIC_KEY_BYTES + 1 + 1 + 16 + 2;

export type WireContact = {
	publicKey: Uint8Array;
	host: string;
	port: number;
	rank: number;
};

export type DecodedContact = WireContact & {id: Buffer; publicKey: Buffer};

export type FindNodeRequest = {target: Buffer; want: number};
export type FindNodeReplyMessage = {contacts: DecodedContact[]};
export type FindChunkRequest = {chunkId: Buffer; want: number};
export type FindChunkReplyMessage = {
	held: boolean;
	rate: number;
	holders: DecodedContact[];
	contacts: DecodedContact[];
};
export type StoreReferenceRequest = {chunkId: Buffer};

const HELD = 0x01;

export function contactBytes(host: string): number {
	return host.includes(':') ? CONTACT_BYTES_V6 : CONTACT_BYTES_V4;
}

// ---- lengths (the simulator accounts traffic with these) ----

export const FIND_NODE_REQUEST_BYTES = ID_BYTES + 1;
export const FIND_CHUNK_REQUEST_BYTES = ID_BYTES + 1;
export const STORE_REFERENCE_REQUEST_BYTES = ID_BYTES;
export const PING_BYTES = 0;

export function findNodeReplyBytes(contacts: number, perContact = CONTACT_BYTES_V4): number {
	return 1 + contacts * perContact;
}

export function findChunkReplyBytes(
	rate: number,
	holders: number,
	contacts: number,
	perContact = CONTACT_BYTES_V4,
): number {
	return 1 + varintLength(Math.round(rate)) + 2 + (holders + contacts) * perContact;
}

// ---- encoders ----

export function encodeFindNodeRequest(target: Uint8Array, want: number): Buffer {
	checkId(target);
	checkCount(want, 1, MAX_CONTACTS, 'want');
	const out = Buffer.allocUnsafe(FIND_NODE_REQUEST_BYTES);
	out.set(target, 0);
	out[ID_BYTES] = want;
	return out;
}

export function encodeFindChunkRequest(chunkId: Uint8Array, want: number): Buffer {
	checkId(chunkId);
	checkCount(want, 0, MAX_CONTACTS, 'want');
	const out = Buffer.allocUnsafe(FIND_CHUNK_REQUEST_BYTES);
	out.set(chunkId, 0);
	out[ID_BYTES] = want;
	return out;
}

export function encodeStoreReferenceRequest(chunkId: Uint8Array): Buffer {
	checkId(chunkId);
	return Buffer.from(chunkId);
}

export function encodeFindNodeReply(contacts: readonly WireContact[]): Buffer {
	checkCount(contacts.length, 0, MAX_CONTACTS, 'contacts');
	let length = 1;
	for (const contact of contacts) length += contactBytes(contact.host);
	const out = Buffer.allocUnsafe(length);
	out[0] = contacts.length;
	let offset = 1;
	for (const contact of contacts) offset = writeContact(out, offset, contact);
	return out;
}

export function encodeFindChunkReply(reply: {
	held: boolean;
	rate: number;
	holders: readonly WireContact[];
	contacts: readonly WireContact[];
}): Buffer {
	checkCount(reply.holders.length, 0, MAX_REFERENCES, 'holders');
	checkCount(reply.contacts.length, 0, MAX_CONTACTS, 'contacts');
	const rate = Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.round(reply.rate)));
	let length = 1 + varintLength(rate) + 2;
	for (const contact of reply.holders) length += contactBytes(contact.host);
	for (const contact of reply.contacts) length += contactBytes(contact.host);
	const out = Buffer.allocUnsafe(length);
	out[0] = reply.held ? HELD : 0;
	let offset = writeVarint(out, 1, rate);
	out[offset++] = reply.holders.length;
	for (const contact of reply.holders) offset = writeContact(out, offset, contact);
	out[offset++] = reply.contacts.length;
	for (const contact of reply.contacts) offset = writeContact(out, offset, contact);
	return out;
}

function writeContact(out: Buffer, offset: number, contact: WireContact): number {
	if (contact.publicKey.length !== PUBLIC_KEY_BYTES)
		throw TornetError.badArgument('contact public key must be 32 bytes');
	const address = ipToBytes(contact.host);
	if (!address) throw TornetError.badArgument(`contact host ${contact.host} is not an IP address`);
	if (!Number.isInteger(contact.port) || contact.port < 1 || contact.port > 0xff_ff)
		throw TornetError.badArgument(`contact port ${contact.port} is out of range`);
	out.set(contact.publicKey, offset);
	offset += PUBLIC_KEY_BYTES;
	out[offset++] = Math.max(0, Math.min(255, contact.rank | 0));
	out[offset++] = address.length === 4 ? 4 : 6;
	out.set(address, offset);
	offset += address.length;
	out.writeUInt16BE(contact.port, offset);
	return offset + 2;
}

// ---- decoders (total) ----

export function decodeFindNodeRequest(bytes: Uint8Array): FindNodeRequest | TornetError {
	const reader = new Reader(bytes);
	const target = reader.buffer(ID_BYTES);
	const want = reader.u8();
	if (reader.failed || !reader.done) return bad('find-node request length');
	if (want < 1 || want > MAX_CONTACTS) return bad(`find-node want ${want}`);
	return {target, want};
}

export function decodeFindChunkRequest(bytes: Uint8Array): FindChunkRequest | TornetError {
	const reader = new Reader(bytes);
	const chunkId = reader.buffer(ID_BYTES);
	const want = reader.u8();
	if (reader.failed || !reader.done) return bad('find-chunk request length');
	if (want > MAX_CONTACTS) return bad(`find-chunk want ${want}`);
	return {chunkId, want};
}

export function decodeStoreReferenceRequest(
	bytes: Uint8Array,
): StoreReferenceRequest | TornetError {
	if (bytes.length !== ID_BYTES) return bad('store-reference request length');
	return {chunkId: Buffer.from(bytes)};
}

export function decodeEmpty(bytes: Uint8Array): true | TornetError {
	return bytes.length === 0 ? true : bad('expected an empty payload');
}

export function decodeFindNodeReply(bytes: Uint8Array): FindNodeReplyMessage | TornetError {
	const reader = new Reader(bytes);
	const contacts = readContacts(reader, MAX_CONTACTS);
	if (contacts instanceof TornetError) return contacts;
	if (!reader.done) return bad('trailing bytes after find-node reply');
	return {contacts};
}

export function decodeFindChunkReply(bytes: Uint8Array): FindChunkReplyMessage | TornetError {
	const reader = new Reader(bytes);
	const flags = reader.u8();
	const rate = reader.varint();
	if (reader.failed) return bad('find-chunk reply header');
	if ((flags & ~HELD) !== 0) return bad(`find-chunk reply flags ${flags}`);
	const holders = readContacts(reader, MAX_REFERENCES);
	if (holders instanceof TornetError) return holders;
	const contacts = readContacts(reader, MAX_CONTACTS);
	if (contacts instanceof TornetError) return contacts;
	if (!reader.done) return bad('trailing bytes after find-chunk reply');
	return {held: (flags & HELD) !== 0, rate, holders, contacts};
}

function readContacts(reader: Reader, max: number): DecodedContact[] | TornetError {
	const count = reader.u8();
	if (reader.failed) return bad('missing contact count');
	if (count > max) return bad(`${count} contacts (at most ${max})`);
	const contacts: DecodedContact[] = [];
	for (let i = 0; i < count; i++) {
		const publicKey = reader.buffer(PUBLIC_KEY_BYTES);
		const rank = reader.u8();
		const family = reader.u8();
		if (reader.failed) return bad('truncated contact');
		if (family !== 4 && family !== 6) return bad(`address family ${family}`);
		const address = reader.bytesView(family === 4 ? 4 : 16);
		const port = reader.u16();
		if (reader.failed) return bad('truncated contact address');
		if (port === 0) return bad('contact port 0');
		contacts.push({
			id: nodeIdFromPublicKey(publicKey),
			publicKey,
			rank,
			host: bytesToIp(address),
			port,
		});
	}

	return contacts;
}

function bad(why: string): TornetError {
	return TornetError.badMessage(why);
}

function checkId(id: Uint8Array): void {
	if (id.length !== ID_BYTES) throw TornetError.badArgument(`ids are ${ID_BYTES} bytes`);
}

function checkCount(value: number, min: number, max: number, what: string): void {
	if (!Number.isInteger(value) || value < min || value > max)
		throw TornetError.badArgument(`${what} ${value} is not in ${min}..${max}`);
}
