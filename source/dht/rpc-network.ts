import {isTornetError, TornetError} from '../errors.js';
import type {NodeAddress} from '../identity/address.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import {ioFirstClock} from './clock.js';
import type {ContactBook} from './contact-book.js';
import {type ContactIndex, NONE} from './id-table.js';
import {
	DHT_METHODS,
	type DecodedContact,
	decodeEmpty,
	decodeFindChunkReply,
	decodeFindNodeReply,
	encodeFindChunkRequest,
	encodeFindNodeRequest,
	encodeStoreReferenceRequest,
} from './messages.js';
import type {DhtNetwork, FindChunkReply, FindNodeReply, TrafficMeter} from './network.js';
import {appendFeeTag, type FeeTicket, type TagRequest} from './request-fees.js';
import {replyWireBytes, requestWireBytes} from './wire-cost.js';

/** What the adapter needs from the transport: a connection to an address (reused when open). */
export type Dialer = {connect(address: NodeAddress): Promise<Connection>};

export type RpcNetworkOptions = {
	book: ContactBook;
	rpc: Rpc;
	dialer: Dialer;
	/** Whole budget of one request, handshake included; then it fails with REQUEST_TIMEOUT. */
	requestTimeoutMs?: number;
	/** The RPC layer resends a request (same id) after this; doubled for the one retry. */
	attemptMs?: number;
	/** Connections this adapter opened and keeps; past it the least recently used idle one closes. */
	maxConnections?: number;
	/** Tags paid requests (dht.node, dht.chunk, dht.ref) for the requester's own ledger. */
	tagRequest?: TagRequest;
	/**
	 * Our rank, when references go only to nodes ranked below us (DhtConfig.rankGatedReferences):
	 * a reference for anyone else is refused here, RANK_TOO_LOW, before anything is sent.
	 */
	referenceRank?: number;
};

/**
 * 2 s: the simulator's figure. A dead contact costs the lookup only its slot for `slowMs`; this
 * bounds how long the request itself (a handshake retried at 400 and 800 ms, or an RPC resent
 * once) lingers.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 2000;
const DEFAULT_ATTEMPT_MS = 500;
/**
 * Both ends keep a connection alive with keepalives, and each costs ~70 KB of buffers and timers,
 * so the connections the DHT opens are bounded. 128 covers a lookup's ~10–30 peers several times
 * over; a peer dropped from this set costs one handshake (~1.5 ms CPU a side) when next asked.
 */
export const DEFAULT_MAX_CONNECTIONS = 128;

type Use = {
	/** Opened by a handshake this adapter started: ours to close. */
	owned: boolean;
	/** DHT requests in flight on it. */
	busy: number;
};

/**
 * The DhtNetwork of a real node: each call turns a contact index into an address (ContactBook),
 * connects (reusing the endpoint's connection to that peer), sends the request as one RPC datagram,
 * decodes the reply totally and admits every contact in it into the book. Everything that goes
 * wrong rejects with a TornetError, which the lookup counts as a failed contact.
 */
export class RpcNetwork implements DhtNetwork {
	readonly book: ContactBook;
	private readonly rpc: Rpc;
	private readonly dialer: Dialer;
	private readonly requestTimeoutMs: number;
	private readonly attemptMs: number;
	private readonly maxConnections: number;
	private readonly tagRequest?: TagRequest;
	private readonly referenceRank?: number;
	/** Connections used for DHT requests, least recently used first (Map keeps insertion order). */
	private readonly used = new Map<Connection, Use>();
	connectionsClosed = 0;

	constructor(options: RpcNetworkOptions) {
		this.book = options.book;
		this.rpc = options.rpc;
		this.dialer = options.dialer;
		this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
		this.attemptMs = options.attemptMs ?? DEFAULT_ATTEMPT_MS;
		this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
		this.tagRequest = options.tagRequest;
		this.referenceRank = options.referenceRank;
	}

	/** Connections the adapter has used and still tracks; `owned` of them it opened itself. */
	get connections(): {tracked: number; owned: number} {
		let owned = 0;
		for (const use of this.used.values()) if (use.owned) owned++;
		return {tracked: this.used.size, owned};
	}

	async findNode(
		to: ContactIndex,
		target: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindNodeReply> {
		const body = encodeFindNodeRequest(target, want);
		const reply = decodeFindNodeReply(await this.call(to, DHT_METHODS.findNode, body, meter));
		if (reply instanceof TornetError) throw reply;
		if (reply.contacts.length > want) throw tooMany(reply.contacts.length, want);
		return {contacts: this.admit(reply.contacts, to)};
	}

	async findChunk(
		to: ContactIndex,
		chunkId: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindChunkReply> {
		const body = encodeFindChunkRequest(chunkId, want);
		const reply = decodeFindChunkReply(await this.call(to, DHT_METHODS.findChunk, body, meter));
		if (reply instanceof TornetError) throw reply;
		if (reply.contacts.length > want) throw tooMany(reply.contacts.length, want);
		return {
			held: reply.held,
			rate: reply.rate,
			holders: this.admit(reply.holders, to),
			contacts: this.admit(reply.contacts, to),
		};
	}

	async ping(to: ContactIndex, meter?: TrafficMeter): Promise<void> {
		const reply = decodeEmpty(await this.call(to, DHT_METHODS.ping, EMPTY, meter));
		if (reply instanceof TornetError) throw reply;
	}

	async storeReference(to: ContactIndex, chunkId: Uint8Array, meter?: TrafficMeter): Promise<void> {
		const gate = this.referenceRank;
		const rank = this.book.entry(to)?.rank;
		if (gate !== undefined && (rank === undefined || rank >= gate))
			throw new TornetError('RANK_TOO_LOW', `references go only to nodes ranked below ${gate}`);
		const body = encodeStoreReferenceRequest(chunkId);
		const reply = decodeEmpty(await this.call(to, DHT_METHODS.storeReference, body, meter));
		if (reply instanceof TornetError) throw reply;
	}

	/**
	 * Hearsay: a reply's contacts never overwrite the address of a contact we already know, and
	 * new ones are charged to the peer that named them (`from`), whose quota bounds what one
	 * peer's fake contacts can take of the book (ContactBook).
	 */
	private admit(contacts: readonly DecodedContact[], from: ContactIndex): ContactIndex[] {
		const out: ContactIndex[] = [];
		for (const contact of contacts) {
			const index = this.book.admit(contact, false, from);
			if (index !== NONE) out.push(index);
		}

		return out;
	}

	private async call(
		to: ContactIndex,
		method: string,
		body: Uint8Array,
		meter: TrafficMeter | undefined,
	): Promise<Buffer> {
		const entry = this.book.entry(to);
		if (!entry) throw TornetError.notFound(`contact ${to}`);
		this.book.use(to);
		if (meter) {
			meter.requests++;
			meter.bytesSent += requestWireBytes(method, body.length);
		}

		const deadline = new AbortController();
		// After the I/O already waiting, like the lookup's timers: an answer that arrived during a
		// stall is read before the request is given up.
		const timer = ioFirstClock.setTimer(this.requestTimeoutMs, () => {
			deadline.abort();
		});
		let use: Use | undefined;
		let ticket: FeeTicket | undefined;
		try {
			let connection = await untilAborted(this.dialer.connect(entry), deadline.signal);
			// Closed between the endpoint handing it out and now (the limit below, or the peer):
			// the endpoint has forgotten it, so this dials afresh.
			if (!connection.isOpen)
				connection = await untilAborted(this.dialer.connect(entry), deadline.signal);
			use = this.track(connection);
			use.busy++;
			// The peer is known for certain only now (its handshake), and a tag names it.
			if (method !== DHT_METHODS.ping) ticket = this.tagRequest?.(connection.peer, 'lookup');
			const reply = await this.rpc.request(connection, method, appendFeeTag(body, ticket?.tag), {
				timeoutMs: this.attemptMs,
				// DHT requests are idempotent: a resend may run twice, harmlessly, and its fee tag
				// (the same bytes) is charged once.
				retries: 1,
				signal: deadline.signal,
			});
			ticket?.end(true);
			if (meter) meter.bytesReceived += replyWireBytes(reply.length);
			// It answered: no longer hearsay charged to whoever named it.
			this.book.prove(to);
			return reply;
		} catch (error) {
			const failure = deadline.signal.aborted
				? TornetError.requestTimeout(method, this.requestTimeoutMs)
				: asTornetError(error);
			ticket?.end(false, failure);
			if (meter && failure.code === 'REQUEST_TIMEOUT') meter.timeouts++;
			throw failure;
		} finally {
			ioFirstClock.clearTimer(timer);
			if (use) use.busy--;
			this.trim();
		}
	}

	/** Moves a connection to the most recently used end, tracking it on first use. */
	private track(connection: Connection): Use {
		const known = this.used.get(connection);
		if (known) {
			this.used.delete(connection);
			this.used.set(connection, known);
			return known;
		}

		// A handshake we just completed has carried no data yet; a connection someone else opened
		// (a peer dialing us, or another layer) has, and is not ours to close.
		const use: Use = {
			owned: connection.initiator && connection.stats.packetsReceived === 0,
			busy: 0,
		};
		this.used.set(connection, use);
		connection.once('close', () => {
			this.used.delete(connection);
		});
		return use;
	}

	private trim(): void {
		if (this.used.size <= this.maxConnections) return;
		for (const [connection, use] of this.used) {
			if (this.used.size <= this.maxConnections) return;
			if (use.busy > 0) continue;
			this.used.delete(connection);
			if (use.owned && connection.isOpen) {
				this.connectionsClosed++;
				connection.close('dht: connection limit');
			}
		}
	}
}

const EMPTY = new Uint8Array(0);

/** Resolves or rejects with `promise`, or rejects as soon as `signal` aborts. */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) throw TornetError.aborted('request');
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => {
			reject(TornetError.aborted('request'));
		};

		signal.addEventListener('abort', onAbort, {once: true});
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error as Error);
			},
		);
	});
}

/** A peer that answers with more contacts than asked for is flooding our shortlist. */
function tooMany(count: number, want: number): TornetError {
	return TornetError.badMessage(`${count} contacts in a reply that asked for ${want}`);
}

/** The lookup accepts only TornetErrors; a socket-level surprise becomes one, not a crash. */
function asTornetError(error: unknown): TornetError {
	if (isTornetError(error)) return error;
	return new TornetError('INTERNAL', error instanceof Error ? error.message : String(error));
}
