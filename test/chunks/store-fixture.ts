import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import {ChunkStore, type ChunkStoreOptions} from '../../source/chunks/chunk-store.js';

/** A fresh directory, removed when the test ends. */
export async function temporaryDirectory(t: ExecutionContext, prefix = 'tornet-chunks-') {
	const directory = await mkdtemp(join(tmpdir(), prefix));
	t.teardown(async () => rm(directory, {recursive: true, force: true}));
	return directory;
}

/** A real store (files and LevelDB) in a fresh directory, closed when the test ends. */
export async function openTestStore(
	t: ExecutionContext,
	options: Partial<ChunkStoreOptions> = {},
): Promise<{store: ChunkStore; dataDir: string}> {
	const dataDir = options.dataDir ?? (await temporaryDirectory(t));
	const store = await ChunkStore.open({...options, dataDir});
	t.teardown(async () => store.close().catch(() => undefined));
	return {store, dataDir};
}

/** Deterministic pseudo-random bytes (xorshift), so failures replay. */
export function patternBytes(length: number, seed = 1): Buffer {
	const out = Buffer.allocUnsafe(length);
	let state = seed * 2_654_435_761 || 1;
	for (let index = 0; index < length; index++) {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		out[index] = state & 0xff;
	}

	return out;
}
