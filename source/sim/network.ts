import type {DhtNode} from '../dht/node.js';
import {TornetError} from '../errors.js';
import {
	CONTACT_BYTES_V4,
	DHT_METHODS,
	FIND_CHUNK_REQUEST_BYTES,
	FIND_NODE_REQUEST_BYTES,
	findChunkReplyBytes,
	findNodeReplyBytes,
	PING_BYTES,
	STORE_REFERENCE_REQUEST_BYTES,
} from '../dht/messages.js';
import {
	type DhtNetwork,
	type FindChunkReply,
	type FindNodeReply,
	newMeter,
	type TrafficMeter,
} from '../dht/network.js';
import {replyWireBytes, requestWireBytes} from '../dht/wire-cost.js';
import type {VirtualClock} from './clock.js';
import type {Random} from './random.js';

export type SimNetworkOptions = {
	clock: VirtualClock;
	random: Random;
	/** One-way latency per message, ms. */
	latencyMs: number;
	/** Each message's latency is latencyMs × (1 ± jitter), uniform. */
	jitter: number;
	/** The RPC layer's request timeout: a request to a node that left fails after this. */
	requestTimeoutMs: number;
	/** Bytes per contact on the wire: IPv4 contacts (40) unless told otherwise. */
	contactBytes: number;
};

/**
 * Every message is metered at its wire size: payload plus the per-datagram cost of
 * source/dht/wire-cost.ts (IP/UDP 28, header 12, tag 16, DATAGRAM frame 2–3, RPC header with a
 * 4-byte id and, in requests, the method name, and 32 bytes of padding on average in packets under
 * 256 bytes of plaintext). bench/lookup.ts checks that model against the bytes a real dht.chunk
 * exchange puts on the wire. For a dht.chunk request that is 105 bytes beyond its payload; a reply
 * carrying contacts (over 256 bytes) pays 64, a short one (held, or no contacts) ~96.
 */
export const REQUEST_OVERHEAD =
	requestWireBytes(DHT_METHODS.findChunk, FIND_CHUNK_REQUEST_BYTES) - FIND_CHUNK_REQUEST_BYTES;

type Kind = 'findNode' | 'findChunk' | 'ping' | 'storeReference';

/**
 * A test's hook in front of a node's handlers: return a reply to send instead of the real one,
 * 'silent' to never answer, or undefined to let the node answer. Used for hostile nodes.
 */
export type Interceptor = (
	to: number,
	from: number,
	kind: Kind,
	argument: Uint8Array | undefined,
	want: number,
) => FindNodeReply | FindChunkReply | 'silent' | undefined;

/**
 * The in-memory network: node numbers are contact indices shared by everyone, a message takes
 * latencyMs (± jitter) of virtual time each way, a node that left never answers (the requester's
 * timeout fires, exactly as over UDP), and every message is metered at its real encoded length.
 */
export class SimNetwork {
	readonly alive: Uint8Array;
	/** Every message, whatever caused it. */
	readonly totals: TrafficMeter = newMeter();
	intercept: Interceptor | undefined;
	private readonly options: SimNetworkOptions;
	private readonly nodeAt: (index: number) => DhtNode;

	constructor(
		count: number,
		options: Partial<SimNetworkOptions> & Pick<SimNetworkOptions, 'clock' | 'random'>,
		nodeAt: (index: number) => DhtNode,
	) {
		this.options = {
			latencyMs: 50,
			jitter: 0.5,
			requestTimeoutMs: 2000,
			contactBytes: CONTACT_BYTES_V4,
			...options,
		};
		this.alive = new Uint8Array(count).fill(1);
		this.nodeAt = nodeAt;
	}

	/** The DhtNetwork node `from` talks through. */
	view(from: number): DhtNetwork {
		return new SimEndpoint(this, from);
	}

	/** Sends a request from `from` to `to`; exported to SimEndpoint only. */
	findNode(
		from: number,
		to: number,
		target: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindNodeReply> {
		return this.request<FindNodeReply>(
			from,
			to,
			'findNode',
			target,
			want,
			FIND_NODE_REQUEST_BYTES,
			meter,
			(node) => node.handleFindNode(from, target, want),
			(reply) => findNodeReplyBytes(reply.contacts.length, this.options.contactBytes),
		);
	}

	findChunk(
		from: number,
		to: number,
		chunkId: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindChunkReply> {
		return this.request<FindChunkReply>(
			from,
			to,
			'findChunk',
			chunkId,
			want,
			FIND_CHUNK_REQUEST_BYTES,
			meter,
			(node) => node.handleFindChunk(from, chunkId, want),
			(reply) =>
				findChunkReplyBytes(
					reply.rate,
					reply.holders.length,
					reply.contacts.length,
					this.options.contactBytes,
				),
		);
	}

	async ping(from: number, to: number, meter?: TrafficMeter): Promise<void> {
		await this.request<undefined>(
			from,
			to,
			'ping',
			undefined,
			0,
			PING_BYTES,
			meter,
			(node) => {
				node.handlePing(from);
				return undefined;
			},
			() => PING_BYTES,
		);
	}

	async storeReference(
		from: number,
		to: number,
		chunkId: Uint8Array,
		meter?: TrafficMeter,
	): Promise<void> {
		await this.request<undefined>(
			from,
			to,
			'storeReference',
			chunkId,
			0,
			STORE_REFERENCE_REQUEST_BYTES,
			meter,
			(node) => {
				node.handleStoreReference(from, chunkId);
				return undefined;
			},
			() => 0,
		);
	}

	private latency(): number {
		const {latencyMs, jitter, random} = this.options;
		return latencyMs * (1 - jitter + 2 * jitter * random.next());
	}

	private async request<R>(
		from: number,
		to: number,
		kind: Kind,
		argument: Uint8Array | undefined,
		want: number,
		requestBytes: number,
		meter: TrafficMeter | undefined,
		handle: (node: DhtNode) => R,
		sizeOf: (reply: R) => number,
	): Promise<R> {
		const {clock, requestTimeoutMs} = this.options;
		const method = DHT_METHODS[kind];
		const sent = requestWireBytes(method, requestBytes);
		count(this.totals, sent, 0, 1);
		if (meter) count(meter, sent, 0, 1);
		return new Promise<R>((resolve, reject) => {
			let settled = false;
			const timeout = clock.setTimer(requestTimeoutMs, () => {
				if (settled) return;
				settled = true;
				this.totals.timeouts++;
				if (meter) meter.timeouts++;
				reject(TornetError.requestTimeout(kind, requestTimeoutMs));
			});
			clock.setTimer(this.latency(), () => {
				if (to >= this.alive.length || this.alive[to] === 0) return;
				const override = this.intercept?.(to, from, kind, argument, want);
				if (override === 'silent') return;
				const reply = override === undefined ? handle(this.nodeAt(to)) : (override as R);
				const size = replyWireBytes(sizeOf(reply));
				// The reply is on the wire whether or not the requester still waits for it.
				count(this.totals, 0, size, 0);
				if (meter) count(meter, 0, size, 0);
				clock.setTimer(this.latency(), () => {
					if (settled) return;
					settled = true;
					clock.clearTimer(timeout);
					resolve(reply);
				});
			});
		});
	}
}

/**
 * One node's DhtNetwork: a two-field object with prototype methods, since a million-node run
 * creates one per touched node (closures per node cost ~1.3 KB each).
 */
class SimEndpoint implements DhtNetwork {
	private readonly network: SimNetwork;
	private readonly from: number;

	constructor(network: SimNetwork, from: number) {
		this.network = network;
		this.from = from;
	}

	async findNode(
		to: number,
		target: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindNodeReply> {
		return this.network.findNode(this.from, to, target, want, meter);
	}

	async findChunk(
		to: number,
		chunkId: Uint8Array,
		want: number,
		meter?: TrafficMeter,
	): Promise<FindChunkReply> {
		return this.network.findChunk(this.from, to, chunkId, want, meter);
	}

	async ping(to: number, meter?: TrafficMeter): Promise<void> {
		return this.network.ping(this.from, to, meter);
	}

	async storeReference(to: number, chunkId: Uint8Array, meter?: TrafficMeter): Promise<void> {
		return this.network.storeReference(this.from, to, chunkId, meter);
	}
}

function count(meter: TrafficMeter, sent: number, received: number, requests: number): void {
	meter.bytesSent += sent;
	meter.bytesReceived += received;
	meter.requests += requests;
}
