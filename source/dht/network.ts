import type {ContactIndex, IdTable} from './id-table.js';

/**
 * Where contact indices come from. In a real node this is the ContactBook (index → public key,
 * host, port, rank; bounded, slots reused); in the simulator every node number is an index and
 * nothing is ever freed. Long-lived holders of an index (the routing table, the reference table)
 * pin it so that its slot is not reused; a lookup's transient indices are protected by the
 * book's lease instead (see ContactBook).
 */
export type ContactSpace = {
	readonly ids: IdTable;
	pin(index: ContactIndex): void;
	unpin(index: ContactIndex): void;
	/**
	 * The IP block of a contact's address (dht/subnet.ts) for the routing table's diversity limit;
	 * 0 or absent: no limit (the simulator's nodes have no addresses).
	 */
	subnet?(index: ContactIndex): number;
};

/** A space where every index is permanent: the simulator's node numbers. */
export function permanentSpace(ids: IdTable): ContactSpace {
	return {ids, pin() {}, unpin() {}};
}

/** Bytes and requests caused by one operation, late replies included (filled by the network). */
export type TrafficMeter = {
	requests: number;
	timeouts: number;
	bytesSent: number;
	bytesReceived: number;
};

export function newMeter(): TrafficMeter {
	return {requests: 0, timeouts: 0, bytesSent: 0, bytesReceived: 0};
}

/** Contacts are indices in the *receiving* node's space: the network admits them on decode. */
export type FindNodeReply = {
	contacts: ArrayLike<ContactIndex>;
};

export type FindChunkReply = {
	/** The responder serves this chunk: the search ends here. */
	held: boolean;
	/** Query rate for this chunk the responder has seen (found queries only), per hour. */
	rate: number;
	/** Nodes known to hold the chunk away from its normal place (pushed references). */
	holders: ArrayLike<ContactIndex>;
	/** Closer contacts, at most `want`. */
	contacts: ArrayLike<ContactIndex>;
};

/**
 * Everything the DHT says to peers goes through this interface: the real node implements it over
 * the encrypted UDP RPC (encoding with messages.ts and admitting reply contacts into its
 * ContactBook), the simulator over its in-memory network. Each call resolves with the peer's reply
 * or rejects with a TornetError (REQUEST_TIMEOUT, REMOTE_ERROR, BAD_MESSAGE…); the DHT never sees
 * bytes, sockets or addresses.
 */
export type DhtNetwork = {
	findNode(
		to: ContactIndex,
		target: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindNodeReply>;
	findChunk(
		to: ContactIndex,
		chunkId: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindChunkReply>;
	ping(to: ContactIndex, meter?: TrafficMeter): Promise<void>;
	/** Tells `to` (a node near the chunk id) that we hold the chunk away from its normal place. */
	storeReference(to: ContactIndex, chunkId: Uint8Array, meter?: TrafficMeter): Promise<void>;
};

/**
 * The server side: what a node runs when a request arrives. `from` is the requester's index in
 * this node's space, already authenticated by the transport (its id is the hash of its key).
 * Handlers are synchronous and bounded; the adapter encodes the returned indices.
 */
export type DhtHandlers = {
	handleFindNode(from: ContactIndex, target: Uint8Array, want: number): FindNodeReply;
	handleFindChunk(from: ContactIndex, chunkId: Uint8Array, want: number): FindChunkReply;
	handlePing(from: ContactIndex): void;
	handleStoreReference(from: ContactIndex, chunkId: Uint8Array): void;
};

/**
 * The chunk layer's answer to a FIND_CHUNK (implemented by chunks/pull-cache.ts): whether this
 * node serves the chunk now, and the confirmed query rate it has seen. It also counts the query,
 * which is how a node decides to pull a popular chunk.
 */
export type ChunkResponder = {
	query(chunkId: Uint8Array, from: ContactIndex): {held: boolean; rate: number};
};
