import {type AdmitRequest, splitFeeTag} from '../../dht/request-fees.js';
import {TornetError} from '../../errors.js';
import type {Rpc} from '../../rpc/rpc.js';
import type {Connection} from '../../transport/connection.js';
import type {TornetStream} from '../../transport/stream.js';
import type {PeerIdentity} from '../../wire/handshake.js';
import type {ChunkStore} from '../chunk-store.js';
import {ID_BYTES} from '../../identity/hash.js';
import {SLICE_BYTES, SLICE_HASH_BYTES} from '../slices.js';
import {
	decodeGetRequest,
	decodeMetaRequest,
	encodeErrorReply,
	encodeMetaReply,
	GET_REQUEST_BYTES,
	type GetRequest,
	META_METHOD,
	okReply,
	PROTOCOL_RESET_CODE,
	STREAM_HEAD_TIMEOUT_MS,
	STREAM_KIND_GET,
} from './protocol.js';
import {readBytes, writeBytes} from './stream-io.js';
import {StreamKinds} from './stream-kinds.js';
import {TokenBucket} from './token-bucket.js';

/** What a transfer hook is told: the chunk, the event id both markets use, and the bytes at stake. */
export type TransferTerms = {chunkId: Buffer; eventId: Buffer; bytes: number};

/**
 * A reservation around one transfer (market.prepareServe / prepareUse and commit / release). A
 * fetcher's may also be told the holder's refusal: true when that was dealt with (a settlement),
 * so the holder is worth asking again.
 */
export type Admission = {
	commit(bytes: number): Promise<void>;
	release(): void;
	refused?(error: unknown): Promise<boolean>;
};

export type ChunkServerOptions = {
	store: ChunkStore;
	/** Upload cap in bytes per second, read at every send decision; 0 = unlimited. */
	uploadBytesPerSecond?: () => number;
	maxStreamsPerPeer?: number;
	maxStreams?: number;
	/** Switch a connection we serve on to LEDBAT (background priority). Default true. */
	lowPriority?: boolean;
	/** Before any byte moves; a thrown TornetError goes back to the fetcher as the error reply. */
	admit?: (peer: PeerIdentity, terms: TransferTerms) => Promise<Admission>;
	/**
	 * chunk.meta is a paid request: charged its request fee (found or not) or refused before the
	 * store is read (request-fees.ts). Without it, chunk.meta is free.
	 */
	admitRequest?: AdmitRequest;
	/** After each transfer, with the bytes actually sent (the node's upload counter). */
	onServed?: (bytes: number, peer: PeerIdentity) => void;
	/** Share a stream router with other protocols; a private one otherwise. */
	kinds?: StreamKinds;
	headTimeoutMs?: number;
};

export type ChunkServerStats = {
	/** GET requests answered with data (completely or until the fetcher gave up). */
	served: number;
	bytesServed: number;
	/** Error replies: NOT_FOUND, TOO_MANY_REQUESTS, PAYMENT_REQUIRED, CORRUPT, … */
	errors: number;
	refused: number;
	/** Streams reset for a malformed request. */
	badRequests: number;
};

/** Default bounds: a handful of ranges in flight per peer is all a fetcher's read-ahead needs. */
const MAX_STREAMS_PER_PEER = 16;
/** A fetcher that stops reading for this long loses its stream (and frees the slot). */
const SEND_STALL_MS = 30_000;
const MAX_STREAMS = 128;
/**
 * Bytes per write (and token-bucket grant): a slice. Smaller pieces would interleave capped streams
 * more finely but cost more packets per byte (a capped sender flushes each piece at once, and on
 * loopback a packet carries up to 65,000 bytes); backpressure keeps little queued that a fetcher's
 * early stop would waste.
 */
const PIECE_BYTES = SLICE_BYTES;

/**
 * Serves chunk slices from the store (protocol.ts): answers chunk.meta over RPC and GET streams of
 * kind 1. Every read goes through the store's verified reads (a body that fails is dropped by the
 * store and answered CORRUPT). All streams share one upload budget (TokenBucket); streams in flight
 * are bounded per peer and in total (TOO_MANY_REQUESTS beyond).
 */
export class ChunkServer {
	readonly stats: ChunkServerStats = {
		served: 0,
		bytesServed: 0,
		errors: 0,
		refused: 0,
		badRequests: 0,
	};

	readonly kinds: StreamKinds;
	private readonly options: ChunkServerOptions;
	private readonly bucket: TokenBucket;
	private readonly perPeer = new Map<string, number>();
	private readonly slowed = new WeakSet<Connection>();
	private active = 0;
	private closed = false;

	constructor(options: ChunkServerOptions) {
		this.options = options;
		this.bucket = new TokenBucket(options.uploadBytesPerSecond ?? (() => 0));
		this.kinds = options.kinds ?? new StreamKinds({headTimeoutMs: options.headTimeoutMs});
		this.kinds.register(STREAM_KIND_GET, (stream, connection) => {
			this.handleStream(stream, connection);
		});
	}

	/** Registers chunk.meta on the node's RPC. */
	register(rpc: Rpc): void {
		rpc.register(META_METHOD, async (body, {connection}) => {
			const split = splitFeeTag(body, ID_BYTES);
			if (split instanceof TornetError) throw split;
			const id = decodeMetaRequest(split.message);
			if (!id) throw TornetError.badMessage('chunk.meta wants a 20-byte chunk id');
			// A query for a chunk we do not hold is paid like one we do: a flood of random ids costs.
			await this.options.admitRequest?.(connection, 'request', split.tag);
			const entry = await this.options.store.entry(id);
			if (!entry) throw TornetError.notFound(`chunk ${id.toString('hex')}`);
			return encodeMetaReply(entry.size, entry.slices);
		});
	}

	/** Serves the GET streams a peer opens on `connection` (through the shared stream router). */
	attach(connection: Connection): void {
		this.kinds.attach(connection);
	}

	/** A kind-1 stream whose kind byte was read: for a node that routes stream kinds itself. */
	handleStream(stream: TornetStream, connection: Connection): void {
		stream.on('error', () => undefined);
		void this.serve(stream, connection).catch(() => {
			stream.reset(PROTOCOL_RESET_CODE);
		});
	}

	/** Refuses new requests and lets capped sends finish at once. */
	close(): void {
		this.closed = true;
		this.bucket.flush();
	}

	get streamsInFlight(): number {
		return this.active;
	}

	private async serve(stream: TornetStream, connection: Connection): Promise<void> {
		const timeout = this.options.headTimeoutMs ?? STREAM_HEAD_TIMEOUT_MS;
		const body = await readBytes(stream, GET_REQUEST_BYTES - 1, timeout);
		const request = Buffer.isBuffer(body) ? decodeGetRequest(body) : undefined;
		if (!request) {
			this.stats.badRequests++;
			stream.reset(PROTOCOL_RESET_CODE);
			return;
		}

		const key = connection.peer.id.toString('hex');
		const mine = this.perPeer.get(key) ?? 0;
		if (
			this.closed ||
			this.active >= (this.options.maxStreams ?? MAX_STREAMS) ||
			mine >= (this.options.maxStreamsPerPeer ?? MAX_STREAMS_PER_PEER)
		) {
			this.stats.refused++;
			await this.fail(stream, TornetError.tooManyRequests('too many chunk requests in flight'));
			return;
		}

		this.active++;
		this.perPeer.set(key, mine + 1);
		try {
			await this.send(stream, connection, request);
		} finally {
			this.active--;
			const left = (this.perPeer.get(key) ?? 1) - 1;
			if (left > 0) this.perPeer.set(key, left);
			else this.perPeer.delete(key);
		}
	}

	private async send(
		stream: TornetStream,
		connection: Connection,
		request: GetRequest,
	): Promise<void> {
		const {store} = this.options;
		const {chunkId, eventId, first, count} = request;
		const entry = await store.entry(chunkId).catch(() => undefined);
		if (!entry) {
			await this.fail(stream, TornetError.notFound(`chunk ${chunkId.toString('hex')}`));
			return;
		}

		const total = entry.slices.length / SLICE_HASH_BYTES;
		if (first + count > total) {
			await this.fail(stream, TornetError.badArgument(`slices ${first}+${count} of ${total}`));
			return;
		}

		const bytes = Math.min(entry.size, (first + count) * SLICE_BYTES) - first * SLICE_BYTES;
		const peer = connection.peer;
		let admission: Admission | undefined;
		let data: Buffer;
		try {
			admission = await this.options.admit?.(peer, {chunkId, eventId, bytes});
			data = await store.readSlices(chunkId, first, count);
		} catch (error) {
			admission?.release();
			await this.fail(stream, error);
			return;
		}

		let sent = 0;
		try {
			sent = await this.write(stream, connection, data);
		} finally {
			// Every path ends the reservation (a throw here is ours, and resets the stream): what
			// was written is charged, a refusal or a reset before any byte costs nothing.
			this.stats.served++;
			this.stats.bytesServed += sent;
			try {
				if (admission && sent > 0) await admission.commit(sent);
				else admission?.release();
			} finally {
				this.options.onServed?.(sent, peer);
			}
		}
	}

	/** The OK status and the slices, capped; the bytes of `data` written (all, or a reset). */
	private async write(stream: TornetStream, connection: Connection, data: Buffer): Promise<number> {
		if (this.options.lowPriority !== false && !this.slowed.has(connection)) {
			this.slowed.add(connection);
			connection.setCongestion('ledbat');
		}

		let sent = 0;
		if (await writeBytes(stream, okReply())) {
			while (sent < data.length) {
				const capped = (this.options.uploadBytesPerSecond?.() ?? 0) > 0;
				const piece = data.subarray(sent, sent + PIECE_BYTES);
				if (capped) await this.bucket.take(piece.length);
				if (!(await writeBytes(stream, piece, SEND_STALL_MS))) break;
				sent += piece.length;
			}
		}

		// Cut short (the fetcher stopped reading, or took the rest elsewhere): no FIN, a reset.
		if (sent === data.length) stream.end();
		else stream.reset();
		return sent;
	}

	/** An error reply: the peer's business when it is a TornetError, private otherwise. */
	private async fail(stream: TornetStream, error: unknown): Promise<void> {
		this.stats.errors++;
		const known = error instanceof TornetError;
		const reply = known
			? encodeErrorReply(error.code, error.message)
			: encodeErrorReply('INTERNAL', 'internal error');
		if (await writeBytes(stream, reply)) stream.end();
	}
}
