import type {ChunkStore} from '../chunks/chunk-store.js';
import {type ChunkHoldings, keyOf} from '../chunks/pull-cache.js';

type Held = {bytes: number; pinned: boolean};

/**
 * The chunk store's contents as the DHT's serving decisions need them: synchronous, in memory.
 * FIND_CHUNK is answered inside a socket handler, so it cannot wait on LevelDB; this view is
 * loaded from the index at start and kept current by the store's onStored/onRemoved hooks. It
 * costs one small map entry per held chunk, bounded by the disk budget (1 GiB is 1,024 chunks).
 */
export class StoreHoldings implements ChunkHoldings {
	private readonly chunks = new Map<string, Held>();
	private store: ChunkStore | undefined;

	/** For ChunkStore's options: keep the view current. */
	readonly stored = (id: Buffer, bytes: number, pinned: boolean): void => {
		this.chunks.set(keyOf(id), {bytes, pinned});
	};

	readonly removed = (id: Buffer): void => {
		this.chunks.delete(keyOf(id));
	};

	/** Reads every record of the (just opened) store. */
	async load(store: ChunkStore): Promise<void> {
		this.store = store;
		for await (const info of store.list()) this.stored(info.id, info.size, info.pinned);
	}

	get size(): number {
		return this.chunks.size;
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

	/**
	 * The pull cache's policy dropped a cached chunk: remove it from disk. The view forgets it at
	 * once (no more FIND_CHUNK answers for it); a chunk in use right now stays on disk and is
	 * re-admitted to the view by the store only if written again, which is the safe direction.
	 */
	drop(key: string): void {
		const held = this.chunks.get(key);
		if (!held || held.pinned) return;
		this.chunks.delete(key);
		const id = Buffer.from(key, 'latin1');
		void this.store?.dropCached(id).catch(() => undefined);
	}
}
