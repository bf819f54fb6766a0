import {randomBytes} from 'node:crypto';
import {ID_BYTES} from '../identity/hash.js';
import type {Clock} from './clock.js';
import {type DhtConfig, dhtConfig} from './config.js';
import {compareToTarget, type ContactIndex, ID_WORDS, NONE, idWords} from './id-table.js';
import {Lookup, type LookupHost, type LookupResult} from './lookup.js';
import type {
	ChunkResponder,
	ContactSpace,
	DhtHandlers,
	DhtNetwork,
	FindChunkReply,
	FindNodeReply,
	TrafficMeter,
} from './network.js';
import {ReferenceTable} from './references.js';
import type {RoutingTable} from './routing-table.js';

export type DhtNodeOptions = {
	space: ContactSpace;
	table: RoutingTable;
	/** This node's table in the store (0 for a real node). */
	owner: number;
	/** This node's own index in the space (its id must be interned there). */
	self: ContactIndex;
	network: DhtNetwork;
	clock: Clock;
	config?: Partial<DhtConfig>;
	/** The chunk layer's answer to FIND_CHUNK; without one this node holds nothing. */
	chunks?: ChunkResponder;
	/** Random bytes for refresh targets (injected so the simulator is reproducible). */
	random?: (length: number) => Uint8Array;
};

const EMPTY: ContactIndex[] = [];
/** Handlers and helpers are synchronous, so every node can share one scratch buffer. */
let scratch = new Uint32Array(64);

function scratchFor(n: number): Uint32Array {
	if (scratch.length < n) scratch = new Uint32Array(n * 2);
	return scratch;
}

/**
 * One DHT participant: the request handlers (server side) and lookups, chunk search, bootstrap,
 * bucket refresh and reference pushing (client side), over an injected network and clock. The real
 * node and every simulated node run this same class.
 */
export class DhtNode implements DhtHandlers, LookupHost {
	readonly config: Readonly<DhtConfig>;
	readonly space: ContactSpace;
	readonly table: RoutingTable;
	readonly owner: number;
	readonly self: ContactIndex;
	readonly network: DhtNetwork;
	readonly clock: Clock;
	chunks: ChunkResponder | undefined;
	private readonly random: (length: number) => Uint8Array;
	private references: ReferenceTable | undefined;
	private refreshed: Float64Array | undefined;

	constructor(options: DhtNodeOptions) {
		this.config =
			options.config && Object.isFrozen(options.config)
				? dhtConfig(options.config)
				: dhtConfig({k: options.table.k, ...options.config});
		this.space = options.space;
		this.table = options.table;
		this.owner = options.owner;
		this.self = options.self;
		this.network = options.network;
		this.clock = options.clock;
		this.chunks = options.chunks;
		this.random = options.random ?? randomBytes;
		this.table.setSelf(this.owner, this.self);
		this.space.pin(this.self);
	}

	get ids() {
		return this.space.ids;
	}

	get id(): Buffer {
		return this.space.ids.bytes(this.self);
	}

	// ---- server side ----

	handleFindNode(from: ContactIndex, target: Uint8Array, want: number): FindNodeReply {
		this.heard(from);
		return {contacts: this.closestTo(target, want, from)};
	}

	handleFindChunk(from: ContactIndex, chunkId: Uint8Array, want: number): FindChunkReply {
		this.heard(from);
		const answer = this.chunks?.query(chunkId, from) ?? {held: false, rate: 0};
		if (answer.held) return {held: true, rate: answer.rate, holders: EMPTY, contacts: EMPTY};
		const holders = this.references?.get(referenceKey(chunkId), this.clock.now()) ?? EMPTY;
		return {
			held: false,
			rate: answer.rate,
			// A copy: the table's list may change before a simulated reply is delivered.
			holders: holders.length === 0 ? EMPTY : [...holders],
			contacts: this.closestTo(chunkId, want, from),
		};
	}

	handlePing(from: ContactIndex): void {
		this.heard(from);
	}

	/**
	 * Accepts a reference only from the holder itself (`from` is authenticated), and only when we
	 * are among the k nodes nearest the chunk that we know of: references live where searches end.
	 */
	handleStoreReference(from: ContactIndex, chunkId: Uint8Array): void {
		this.heard(from);
		if (!this.isNear(chunkId)) return;
		this.references ??= new ReferenceTable(this.space);
		this.references.add(referenceKey(chunkId), from, this.clock.now());
	}

	// ---- client side ----

	/** Iterative FIND_NODE: the k closest live nodes to `target`. */
	async lookup(target: Uint8Array, meter?: TrafficMeter): Promise<LookupResult> {
		this.noteLookup(target);
		const {k, alpha, paths, nodeWant, slowMs, lookupMaxMs} = this.config;
		return new Lookup(
			this,
			'node',
			target,
			{k, alpha, paths, want: nodeWant, slowMs, maxMs: lookupMaxMs},
			meter,
		).run();
	}

	/** Chunk search: walk toward the chunk id until a holder answers. */
	async findChunk(chunkId: Uint8Array, meter?: TrafficMeter): Promise<LookupResult> {
		const {k, alpha, paths, chunkWant, slowMs, lookupMaxMs} = this.config;
		return new Lookup(
			this,
			'chunk',
			chunkId,
			{k, alpha, paths, want: chunkWant, slowMs, maxMs: lookupMaxMs},
			meter,
		).run();
	}

	/**
	 * Kademlia join: add the bootstrap contacts, look up our own id (which tells the nodes around
	 * it about us), then refresh every bucket farther than our closest neighbour.
	 */
	async bootstrap(contacts: readonly ContactIndex[], meter?: TrafficMeter): Promise<void> {
		for (const contact of contacts) this.heard(contact);
		const result = await this.lookup(this.id, meter);
		const nearest = result.closest[0];
		const limit = nearest === undefined ? 0 : this.table.bucketOf(this.owner, nearest);
		const lookups: Array<Promise<LookupResult>> = [];
		for (let bucket = 0; bucket < limit; bucket++)
			lookups.push(this.lookup(this.randomIdInBucket(bucket), meter));
		await Promise.all(lookups);
	}

	/** Looks into every non-empty-range bucket not looked into for `refreshMs`. */
	async refresh(meter?: TrafficMeter): Promise<number> {
		const now = this.clock.now();
		this.refreshed ??= new Float64Array(this.table.depth);
		let deepest = -1;
		this.table.forEach(this.owner, (_contact, bucket) => {
			if (bucket > deepest) deepest = bucket;
		});
		const lookups: Array<Promise<LookupResult>> = [];
		for (let bucket = 0; bucket <= deepest; bucket++) {
			if (now - this.refreshed[bucket] < this.config.refreshMs && this.refreshed[bucket] !== 0)
				continue;
			lookups.push(this.lookup(this.randomIdInBucket(bucket), meter));
		}

		await Promise.all(lookups);
		return lookups.length;
	}

	/** Tells the nodes nearest a chunk's id that we hold it (after caching it away from there). */
	async pushReference(chunkId: Uint8Array, meter?: TrafficMeter): Promise<number> {
		const result = await this.lookup(chunkId, meter);
		const targets = result.closest.slice(0, this.config.referenceFanout);
		const sent = await Promise.allSettled(
			targets.map(async (to) => this.network.storeReference(to, chunkId, meter)),
		);
		return sent.filter((outcome) => outcome.status === 'fulfilled').length;
	}

	/** The k (or fewer) closest contacts we know to a target, for replies and tests. */
	closestTo(target: Uint8Array, want: number, exclude: ContactIndex = NONE): ContactIndex[] {
		const n = Math.min(want, this.config.k);
		if (n <= 0) return EMPTY;
		const words = idWords(target);
		const buffer = scratchFor(n + 1);
		const count = this.table.closest(this.owner, words, n + 1, buffer);
		const out: ContactIndex[] = [];
		for (let i = 0; i < count && out.length < n; i++) {
			const contact = buffer[i];
			if (contact !== exclude) out.push(contact);
		}

		return out;
	}

	// ---- LookupHost ----

	seed(target: Uint32Array, n: number, out: Uint32Array): number {
		return this.table.closest(this.owner, target, n, out);
	}

	answered(contact: ContactIndex): void {
		this.heard(contact);
	}

	failed(contact: ContactIndex): void {
		if (this.table.fail(this.owner, contact) >= this.config.maxFailures) {
			if (this.table.remove(this.owner, contact)) this.space.unpin(contact);
		}
	}

	// ---- routing table upkeep ----

	/**
	 * A contact was heard from. A full bucket keeps its old contacts (long-lived nodes are the
	 * likeliest to stay) unless its least recently seen one fails a ping; pings are rate-limited
	 * per bucket so a stream of newcomers cannot turn into a ping storm.
	 */
	heard(contact: ContactIndex): void {
		if (contact === this.self || contact === NONE) return;
		if (!this.diverse(contact)) return;
		const result = this.table.add(this.owner, contact);
		if (result === 'added') this.space.pin(contact);
		else if (result === 'full') this.challengeOldest(contact);
	}

	/**
	 * IP diversity (S/Kademlia): a contact new to the table is refused when its address block
	 * already has its share of the bucket or of the table, so identities one operator mints on one
	 * block cannot fill a bucket, however many answer. Contacts already in the table stay.
	 */
	private diverse(contact: ContactIndex): boolean {
		const subnet = this.space.subnet?.(contact) ?? 0;
		if (subnet === 0 || this.table.has(this.owner, contact)) return true;
		const {subnetPerBucket, subnetPerTable} = this.config;
		const bucket = this.table.bucketOf(this.owner, contact);
		let inBucket = 0;
		let inTable = 0;
		this.table.forEach(this.owner, (other, b) => {
			if (this.space.subnet!(other) !== subnet) return;
			inTable++;
			if (b === bucket) inBucket++;
		});
		return inBucket < subnetPerBucket && inTable < subnetPerTable;
	}

	private challengeOldest(newcomer: ContactIndex): void {
		const bucket = this.table.bucketOf(this.owner, newcomer);
		const now = Math.floor(this.clock.now() / 1000) + 1; // +1: 0 means "never checked"
		const last = this.table.lastChecked(this.owner, bucket);
		if (last !== 0 && now - last < this.config.pingIntervalS) return;
		this.table.markChecked(this.owner, bucket, now);
		const oldest = this.table.oldest(this.owner, bucket);
		if (oldest === NONE) return;
		this.network.ping(oldest).then(
			() => {
				this.table.touch(this.owner, oldest);
			},
			() => {
				if (this.table.replace(this.owner, oldest, newcomer)) {
					this.space.unpin(oldest);
					this.space.pin(newcomer);
				}
			},
		);
	}

	private isNear(target: Uint8Array): boolean {
		const words = idWords(target);
		const {k} = this.config;
		const buffer = scratchFor(k);
		const count = this.table.closest(this.owner, words, k, buffer);
		if (count < k) return true;
		const farthest = buffer[count - 1];
		const all = this.space.ids.words;
		return compareToTarget(all, this.self * ID_WORDS, farthest * ID_WORDS, words) <= 0;
	}

	private noteLookup(target: Uint8Array): void {
		this.refreshed ??= new Float64Array(this.table.depth);
		this.refreshed[this.table.bucketOfTarget(this.owner, idWords(target))] = this.clock.now() || 1;
	}

	private randomIdInBucket(bucket: number): Buffer {
		const id = Buffer.from(this.random(ID_BYTES));
		const own = this.id;
		// Copy our first `bucket` bits, flip bit `bucket`, keep the rest random.
		for (let bit = 0; bit <= bucket && bit < ID_BYTES * 8; bit++) {
			const byte = bit >>> 3;
			const mask = 0x80 >>> (bit & 7);
			const value = bit === bucket ? ~own[byte] & mask : own[byte] & mask;
			id[byte] = (id[byte] & ~mask) | value;
		}

		return id;
	}
}

export function referenceKey(chunkId: Uint8Array): string {
	return Buffer.from(chunkId.buffer, chunkId.byteOffset, chunkId.byteLength).toString('latin1');
}
