import type {ChunkHoldings} from '../chunks/pull-cache.js';
import {idWords} from '../dht/id-table.js';
import type {SortedIds} from './converged.js';
import type {Random} from './random.js';

/**
 * The simulated content: C chunk ids, each stored at its normal place, the `replicas` nodes
 * closest to its id when it was published (before any churn).
 */
export class ChunkCatalog {
	readonly count: number;
	readonly chunkBytes: number;
	readonly ids: Buffer[] = [];
	readonly keys: string[] = [];
	readonly index = new Map<string, number>();
	replicas = 0;
	/** chunk × replicas → node. */
	homes = new Uint32Array(0);
	/** node → chunks stored there at their normal place. */
	readonly homeChunks = new Map<number, number[]>();

	constructor(random: Random, count: number, chunkBytes: number) {
		this.count = count;
		this.chunkBytes = chunkBytes;
		for (let i = 0; i < count; i++) {
			const id = random.bytes(20);
			const key = id.toString('latin1');
			this.ids.push(id);
			this.keys.push(key);
			this.index.set(key, i);
		}
	}

	place(sorted: SortedIds, replicas: number): void {
		this.replicas = replicas;
		this.homes = new Uint32Array(this.count * replicas);
		for (let chunk = 0; chunk < this.count; chunk++) {
			const nodes = sorted.closest(idWords(this.ids[chunk]), replicas);
			for (let r = 0; r < replicas; r++) {
				const node = nodes[r];
				this.homes[chunk * replicas + r] = node;
				let list = this.homeChunks.get(node);
				if (list === undefined) {
					list = [];
					this.homeChunks.set(node, list);
				}

				list.push(chunk);
			}
		}
	}

	isHome(chunk: number, node: number): boolean {
		const {replicas, homes} = this;
		for (let r = 0; r < replicas; r++) if (homes[chunk * replicas + r] === node) return true;
		return false;
	}
}

/** One simulated node's chunks: its normal-place chunks (pinned) plus what it pulled. */
export class SimHoldings implements ChunkHoldings {
	readonly node: number;
	private readonly catalog: ChunkCatalog;
	private cached: Map<string, number> | undefined;

	constructor(catalog: ChunkCatalog, node: number) {
		this.catalog = catalog;
		this.node = node;
	}

	get cachedCount(): number {
		return this.cached?.size ?? 0;
	}

	has(key: string): boolean {
		return this.pinned(key) || (this.cached?.has(key) ?? false);
	}

	bytes(key: string): number {
		return this.has(key) ? this.catalog.chunkBytes : 0;
	}

	pinned(key: string): boolean {
		const chunk = this.catalog.index.get(key);
		return chunk !== undefined && this.catalog.isHome(chunk, this.node);
	}

	*keys(): Iterable<string> {
		for (const chunk of this.catalog.homeChunks.get(this.node) ?? [])
			yield this.catalog.keys[chunk];
		if (this.cached) yield* this.cached.keys();
	}

	add(key: string): void {
		if (this.pinned(key)) return;
		this.cached ??= new Map();
		this.cached.set(key, this.catalog.chunkBytes);
	}

	drop(key: string): void {
		this.cached?.delete(key);
	}
}
