import {isIP} from 'node:net';
import {TornetError} from '../errors.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import {varintLength} from '../util/varint.js';
import type {ContactBook} from './contact-book.js';
import {type ContactIndex, NONE} from './id-table.js';
import {
	contactBytes,
	DHT_METHODS,
	decodeEmpty,
	decodeFindChunkRequest,
	decodeFindNodeRequest,
	decodeStoreReferenceRequest,
	encodeFindChunkReply,
	encodeFindNodeReply,
	FIND_CHUNK_REQUEST_BYTES,
	FIND_NODE_REQUEST_BYTES,
	STORE_REFERENCE_REQUEST_BYTES,
	type WireContact,
} from './messages.js';
import type {DhtHandlers} from './network.js';
import {type AdmitRequest, type FeeTag, splitFeeTag} from './request-fees.js';

/** A response's RPC header: type ‖ request id (a varint; ids stay below 2^30, so ≤ 4 bytes). */
const RESPONSE_HEADER_BYTES = 1 + 4;
const EMPTY = new Uint8Array(0);

/**
 * The server side of the DHT over RPC: registers dht.ping, dht.node, dht.chunk and dht.ref and
 * hands each request to the node's handlers. The requester becomes a contact with the address
 * its packets come from and the identity its handshake proved (so this is how the DHT learns
 * about nodes that ask it). Replies are trimmed to fit one datagram: 20 IPv6 contacts plus 4
 * holder references (1,259 bytes) would not, so the farthest contacts give way first.
 *
 * With `admit`, dht.node, dht.chunk and dht.ref are paid requests (request-fees.ts): each is
 * admitted (charged its lookup fee, or refused) once it decodes, before it is answered or counts
 * toward a chunk's popularity. Untagged requests are charged too (the node keeps a tab for them);
 * the tag is how the requester's ledger learns the same event id. dht.ping stays free: it is the
 * liveness check of the asker's own routing table, which both sides run on each other.
 *
 * With `referenceRank` (our rank, DhtConfig.rankGatedReferences), dht.ref is taken only from
 * nodes ranked above it.
 */
export function registerDhtMethods(
	rpc: Rpc,
	book: ContactBook,
	node: DhtHandlers,
	admit?: AdmitRequest,
	referenceRank?: number,
): void {
	const paid = async (connection: Connection, tag: FeeTag | undefined) =>
		admit?.(connection, 'lookup', tag);

	rpc.register(DHT_METHODS.ping, (body, {connection}) => {
		const request = decodeEmpty(body);
		if (request instanceof TornetError) throw request;
		node.handlePing(requester(book, connection));
		return EMPTY;
	});

	rpc.register(DHT_METHODS.findNode, async (whole, {connection}) => {
		const {body, tag} = untag(whole, FIND_NODE_REQUEST_BYTES);
		const request = decodeFindNodeRequest(body);
		if (request instanceof TornetError) throw request;
		await paid(connection, tag);
		const from = requester(book, connection);
		const reply = node.handleFindNode(from, request.target, request.want);
		const room = roomFor(connection) - 1;
		return encodeFindNodeReply(fit(wireContacts(book, reply.contacts), room));
	});

	rpc.register(DHT_METHODS.findChunk, async (whole, {connection}) => {
		const {body, tag} = untag(whole, FIND_CHUNK_REQUEST_BYTES);
		const request = decodeFindChunkRequest(body);
		if (request instanceof TornetError) throw request;
		await paid(connection, tag);
		const from = requester(book, connection);
		const reply = node.handleFindChunk(from, request.chunkId, request.want);
		const rate = Math.max(0, Math.round(reply.rate));
		// flags ‖ varint rate ‖ holder count ‖ contact count, then the contacts.
		let room = roomFor(connection) - (1 + varintLength(rate) + 2);
		const holders = fit(wireContacts(book, reply.holders), room);
		for (const holder of holders) room -= contactBytes(holder.host);
		const contacts = fit(wireContacts(book, reply.contacts), room);
		return encodeFindChunkReply({held: reply.held, rate, holders, contacts});
	});

	rpc.register(DHT_METHODS.storeReference, async (whole, {connection}) => {
		const {body, tag} = untag(whole, STORE_REFERENCE_REQUEST_BYTES);
		const request = decodeStoreReferenceRequest(body);
		if (request instanceof TornetError) throw request;
		// With rank-gated references, only a node ranked above us may advertise here: refused
		// before the requester becomes a contact or is charged.
		if (referenceRank !== undefined && connection.peer.rank <= referenceRank)
			throw new TornetError(
				'RANK_TOO_LOW',
				`references here need a rank above ${referenceRank}; the sender has ${connection.peer.rank}`,
			);
		const from = requester(book, connection);
		// A full book cannot pin the holder; refusing beats keeping a reference to nobody (and it
		// is refused before it is charged).
		if (from === NONE) throw TornetError.tooManyRequests('contact book is full');
		await paid(connection, tag);
		node.handleStoreReference(from, request.chunkId);
		return EMPTY;
	});
}

/** The request without its fee tag; a malformed tag is the request's BAD_MESSAGE. */
function untag(whole: Buffer, plainBytes: number): {body: Buffer; tag?: FeeTag} {
	const split = splitFeeTag(whole, plainBytes);
	if (split instanceof TornetError) throw split;
	return {body: split.message, ...(split.tag ? {tag: split.tag} : {})};
}

/**
 * The requester as a contact: its authenticated key and rank, and the address its packets come
 * from (authoritative: it replaces whatever hearsay said). NONE when the book is full.
 */
export function requester(book: ContactBook, connection: Connection): ContactIndex {
	const {publicKey, id, rank} = connection.peer;
	return book.admit(
		{publicKey, id, rank, host: plainHost(connection.host), port: connection.port},
		true,
	);
}

/** An IPv4 peer seen through a dual-stack socket is stored as plain IPv4 (40 bytes, not 52). */
export function plainHost(host: string): string {
	return host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

function roomFor(connection: Connection): number {
	return connection.maxDatagramBytes - RESPONSE_HEADER_BYTES;
}

function wireContacts(book: ContactBook, indices: ArrayLike<ContactIndex>): WireContact[] {
	const out: WireContact[] = [];
	for (let i = 0; i < indices.length; i++) {
		const entry = book.entry(indices[i]);
		// A bootstrap contact given by host name cannot travel: contacts carry IP addresses.
		if (entry && isIP(entry.host) !== 0) out.push(entry);
	}

	return out;
}

/** The longest prefix (closest first) whose encoding fits `room` bytes. */
function fit(contacts: WireContact[], room: number): WireContact[] {
	let used = 0;
	for (let i = 0; i < contacts.length; i++) {
		used += contactBytes(contacts[i].host);
		if (used > room) return contacts.slice(0, i);
	}

	return contacts;
}
