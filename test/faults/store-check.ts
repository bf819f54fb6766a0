import {ChunkStore} from '../../source/chunks/chunk-store.js';
import {isTornetError} from '../../source/errors.js';

export type StoreCheck = {
	/** Chunks the index lists. */
	chunks: number;
	/** Of those, chunks whose body read back and verified against its id. */
	verified: number;
	/** Listed chunks that failed: CORRUPT (bad bytes) or NOT_FOUND (no body). Must be 0. */
	failed: number;
	/** What the open found after the crash: records dropped, orphan bodies deleted. */
	dropped: number;
	orphans: number;
	recovered: boolean;
};

/**
 * Opens a stopped node's store the way the node does (ChunkStore.open, recovery included) and
 * reads back every chunk the index lists: each must verify against its id. Only while the node
 * is stopped: two processes must not open one LevelDB.
 */
export async function checkStore(dataDir: string): Promise<StoreCheck> {
	const store = await ChunkStore.open({dataDir});
	const result: StoreCheck = {
		chunks: 0,
		verified: 0,
		failed: 0,
		dropped: store.recovery?.dropped ?? 0,
		orphans: store.recovery?.orphans ?? 0,
		recovered: store.recovery !== undefined,
	};
	try {
		const ids: Buffer[] = [];
		for await (const info of store.list()) ids.push(info.id);
		result.chunks = ids.length;
		for (const id of ids) {
			try {
				await store.get(id);
				result.verified++;
			} catch (error) {
				if (!isTornetError(error)) throw error;
				result.failed++;
			}
		}
	} finally {
		await store.close();
	}

	return result;
}
