import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {readdir, truncate, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {ChunkStore} from '../../source/chunks/chunk-store.js';
import {sealChunk} from '../../source/chunks/chunk-crypto.js';
import {bodyPath, storeLayout} from '../../source/chunks/store-layout.js';
import {patternBytes, temporaryDirectory} from './store-fixture.js';

const child = fileURLToPath(new URL('store-crash-child.ts', import.meta.url));

async function crash(dataDir: string, mode: string): Promise<string[]> {
	const process_ = spawn(process.execPath, ['--import=tsx', child, dataDir, mode], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let output = '';
	process_.stdout.on('data', (data: Buffer) => {
		output += data.toString();
	});
	const [code, signal] = (await once(process_, 'exit')) as [number | null, string | null];
	if (signal !== 'SIGKILL') throw new Error(`child exited with ${code} instead of being killed`);
	return output.trim().split('\n');
}

async function bodyFiles(store: ChunkStore): Promise<string[]> {
	const names: string[] = [];
	for (const directory of await readdir(store.layout.root)) {
		if (/^[\da-f]{2}$/.test(directory))
			names.push(...(await readdir(join(store.layout.root, directory))));
	}

	return names.sort();
}

test('a crash between body and index leaves an orphan that reopening removes', async (t) => {
	const dataDir = await temporaryDirectory(t);
	const [first] = await crash(dataDir, 'kill-before-index');
	const store = await ChunkStore.open({dataDir});
	t.teardown(async () => store.close());
	t.is(store.recovery?.orphans, 1);
	t.is(store.chunkCount, 0);
	t.is(store.usedBytes, 0);
	t.false(await store.has(Buffer.from(first, 'hex')));
	t.deepEqual(await bodyFiles(store), []);
	t.deepEqual(await readdir(store.layout.temporary), []);
	const again = sealChunk(patternBytes(100_001, 1));
	t.is(again.id.toString('hex'), first);
	t.is(await store.putSealed(again), 'stored', 'the chunk can be stored again');
});

test('after a crash, durable chunks are there and records of lost or torn bodies are dropped', async (t) => {
	const dataDir = await temporaryDirectory(t);
	const lines = await crash(dataDir, 'kill-after-puts');
	t.is(lines.at(-1), 'stored');
	const ids = lines.slice(0, 4).map((hex) => Buffer.from(hex, 'hex'));
	const layout = storeLayout(dataDir);
	await unlink(bodyPath(layout, ids[1]));
	await truncate(bodyPath(layout, ids[2]), 50_000);
	await writeFile(join(layout.temporary, 'half-written.tmp'), 'x');
	const store = await ChunkStore.open({dataDir});
	t.teardown(async () => store.close());
	t.deepEqual(store.recovery, {
		bytes: 2 * Math.ceil(100_004 / 4096) * 4096,
		chunks: 2,
		dropped: 2,
		orphans: 0,
	});
	t.is(store.chunkCount, 2);
	for (const [index, id] of ids.entries()) t.is(await store.has(id), index === 0 || index === 3);
	t.is((await store.get(ids[0])).length, 100_001);
	t.is((await store.get(ids[3])).length, 100_004);
	t.deepEqual(await bodyFiles(store), [ids[0], ids[3]].map((id) => id.toString('hex')).sort());
	t.deepEqual(await readdir(store.layout.temporary), []);
});
