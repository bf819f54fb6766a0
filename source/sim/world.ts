import {type DhtConfig, dhtConfig} from '../dht/config.js';
import {IdTable, idWords} from '../dht/id-table.js';
import {type ChunkResponder, type ContactSpace, permanentSpace} from '../dht/network.js';
import {DhtNode} from '../dht/node.js';
import {RoutingTable} from '../dht/routing-table.js';
import {VirtualClock} from './clock.js';
import {buildConvergedTables, countConvergedBlocks, SortedIds} from './converged.js';
import {SimNetwork, type SimNetworkOptions} from './network.js';
import {Random} from './random.js';

export type WorldOptions = {
	nodes: number;
	seed?: number;
	k?: number;
	/** DHT settings for every node (alpha, paths, chunkWant, slowMs…). */
	dht?: Partial<DhtConfig>;
	network?: Partial<Omit<SimNetworkOptions, 'clock' | 'random'>>;
	/** Start from converged tables (the oracle); false leaves tables empty for protocol joins. */
	converged?: boolean;
	/** Extra ids interned with no node behind them (what a hostile node can point at). */
	phantoms?: number;
	/** The chunk layer of node i (created lazily with the node). */
	responder?: (node: DhtNode, index: number) => ChunkResponder | undefined;
};

/**
 * A simulated network: one IdTable with every node id (node i = contact index i), one
 * RoutingTable store with one owner per node, a virtual clock and an in-memory network. DhtNode
 * objects (the same class a real node runs) are created lazily, when a node first sends or
 * receives, so a million-node world only pays for the nodes a run touches.
 */
export class SimWorld {
	readonly size: number;
	readonly clock = new VirtualClock();
	readonly random: Random;
	readonly ids: IdTable;
	readonly space: ContactSpace;
	readonly table: RoutingTable;
	readonly sorted: SortedIds;
	readonly network: SimNetwork;
	readonly contacts: number;
	readonly buildMs: number;
	private readonly nodes: Array<DhtNode | undefined>;
	private readonly options: WorldOptions;
	private readonly config: Readonly<DhtConfig>;
	private readonly randomBytes: (length: number) => Uint8Array;

	constructor(options: WorldOptions) {
		const started = performance.now();
		this.options = options;
		this.size = options.nodes;
		this.random = new Random(options.seed ?? 1);
		const phantoms = options.phantoms ?? 0;
		this.ids = new IdTable(this.size + phantoms);
		this.ids.count = this.size + phantoms;
		const {words} = this.ids;
		for (let i = 0; i < words.length; i++) words[i] = this.random.u32();
		this.space = permanentSpace(this.ids);
		this.sorted = new SortedIds(this.ids, this.size);
		const k = options.k ?? 20;
		// Buckets deeper than log2(n) + 8 are empty but for a 2^-7 chance; the last one takes them.
		const depth = Math.min(160, Math.ceil(Math.log2(Math.max(2, this.size))) + 8);
		const converged = options.converged ?? true;
		this.table = new RoutingTable(this.ids, {
			k,
			owners: this.size,
			depth,
			initialBlocks: converged
				? Math.ceil(countConvergedBlocks(this.sorted, depth) * 1.02) + 16
				: this.size * 4,
		});
		for (let i = 0; i < this.size; i++) this.table.setSelf(i, i);
		this.config = dhtConfig({k, ...options.dht});
		this.randomBytes = (length) => this.random.bytes(length);
		this.contacts = converged ? buildConvergedTables(this.table, this.sorted, this.random) : 0;
		this.nodes = Array.from({length: this.size});
		this.network = new SimNetwork(
			this.size + phantoms,
			{...options.network, clock: this.clock, random: this.random},
			(index) => this.node(index),
		);
		for (let i = this.size; i < this.size + phantoms; i++) this.network.alive[i] = 0;
		this.buildMs = performance.now() - started;
	}

	node(index: number): DhtNode {
		let node = this.nodes[index];
		if (node === undefined) {
			node = new DhtNode({
				space: this.space,
				table: this.table,
				owner: index,
				self: index,
				network: this.network.view(index),
				clock: this.clock,
				config: this.config,
				random: this.randomBytes,
			});
			node.chunks = this.options.responder?.(node, index);
			this.nodes[index] = node;
		}

		return node;
	}

	/** Nodes created so far (touched by the run). */
	get created(): number {
		let count = 0;
		for (const node of this.nodes) if (node !== undefined) count++;
		return count;
	}

	isAlive(index: number): boolean {
		return this.network.alive[index] === 1;
	}

	/** A fraction of the nodes leaves without notice: their entries stay in others' tables. */
	churn(fraction: number): number {
		const leaving = Math.floor(this.size * fraction);
		let left = 0;
		while (left < leaving) {
			const index = this.random.int(this.size);
			if (this.network.alive[index] === 0) continue;
			this.network.alive[index] = 0;
			left++;
		}

		return left;
	}

	randomAliveNode(): number {
		for (;;) {
			const index = this.random.int(this.size);
			if (this.network.alive[index] === 1) return index;
		}
	}

	/** The true n closest live nodes to a target (the oracle tests compare lookups with). */
	trueClosest(target: Uint8Array, n: number): number[] {
		return this.sorted.closest(idWords(target), n, (node) => this.network.alive[node] === 1);
	}
}
