import type {ChunkHoldings} from '../chunks/pull-cache.js';
import {keyOf} from '../chunks/pull-cache.js';

/**
 * Which chunks a node holds, by id and size, for the DHT's FIND_CHUNK answers: on its own for DHT
 * tests and tools, and as the base of StoreHoldings (the chunk store's view). Pinned chunks were
 * published here: always served, never dropped by the cache policy.
 */
export class MemoryHoldings implements ChunkHoldings {
	protected readonly chunks = new Map<string, {bytes: number; pinned: boolean}>();

	get size(): number {
		return this.chunks.size;
	}

	add(chunkId: Uint8Array, bytes: number, pinned = true): void {
		this.chunks.set(keyOf(chunkId), {bytes, pinned});
	}

	has(key: string): boolean {
		return this.chunks.has(key);
	}

	bytes(key: string): number {
		return this.chunks.get(key)?.bytes ?? 0;
	}

	pinned(key: string): boolean {
		return this.chunks.get(key)?.pinned ?? false;
	}

	keys(): Iterable<string> {
		return this.chunks.keys();
	}

	drop(key: string): void {
		if (!this.pinned(key)) this.chunks.delete(key);
	}
}
