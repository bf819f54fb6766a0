import type {ChunkStore} from '../chunks/chunk-store.js';
import {keyOf} from '../chunks/pull-cache.js';
import {MemoryHoldings} from './memory-holdings.js';

/**
 * The chunk store's contents as the DHT's serving decisions need them: synchronous, in memory.
 * FIND_CHUNK is answered inside a socket handler, so it cannot wait on LevelDB; this view is
 * loaded from the index at start and kept current by the store's onStored/onRemoved hooks. It
 * costs one small map entry per held chunk, bounded by the disk budget (1 GiB is 1,024 chunks).
 */
export class StoreHoldings extends MemoryHoldings {
	private store: ChunkStore | undefined;

	/** For ChunkStore's options: keep the view current. */
	readonly stored = (id: Buffer, bytes: number, pinned: boolean): void => {
		this.add(id, bytes, pinned);
	};

	readonly removed = (id: Buffer): void => {
		this.chunks.delete(keyOf(id));
	};

	/** Reads every record of the (just opened) store. */
	async load(store: ChunkStore): Promise<void> {
		this.store = store;
		for await (const info of store.list()) this.stored(info.id, info.size, info.pinned);
	}

	/**
	 * The pull cache's policy dropped a cached chunk: remove it from disk. The view forgets it at
	 * once (no more FIND_CHUNK answers for it); a chunk in use right now stays on disk and is
	 * re-admitted to the view by the store only if written again, which is the safe direction.
	 */
	override drop(key: string): void {
		if (!this.has(key) || this.pinned(key)) return;
		this.chunks.delete(key);
		void this.store?.dropCached(Buffer.from(key, 'latin1')).catch(() => undefined);
	}
}
