import {readdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {sealChunk} from '../../source/chunks/chunk-crypto.js';
import {ChunkStore} from '../../source/chunks/chunk-store.js';
import {bodyPath} from '../../source/chunks/store-layout.js';
import {SLICE_BYTES} from '../../source/chunks/slices.js';
import {isTornetError} from '../../source/errors.js';
import {openTestStore, patternBytes} from './store-fixture.js';

test('a stored chunk reads back whole and by range', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(300_000, 1));
	t.is(await store.put(sealed.id, sealed.body), 'stored');
	t.true(await store.has(sealed.id));
	t.true((await store.get(sealed.id)).equals(sealed.body));
	t.true(
		(await store.readRange(sealed.id, 70_000, 200_001)).equals(
			sealed.body.subarray(70_000, 200_001),
		),
	);
	t.true((await store.readSlices(sealed.id, 4, 1)).equals(sealed.body.subarray(4 * SLICE_BYTES)));
	t.is((await store.readRange(sealed.id, 5, 5)).length, 0);
	t.true((await store.slicesOf(sealed.id))!.equals(sealed.slices));
	t.is(store.chunkCount, 1);
	t.is(store.usedBytes, Math.ceil(300_000 / 4096) * 4096);
	for (const [start, end] of [
		[-1, 10],
		[0, 300_001],
		[10, 5],
	])
		await t.throwsAsync(store.readRange(sealed.id, start, end), {code: 'BAD_ARGUMENT'} as never);
	await t.throwsAsync(store.get(Buffer.alloc(20)), {code: 'NOT_FOUND'} as never);
	await t.throwsAsync(store.get(Buffer.alloc(19)), {code: 'BAD_ARGUMENT'} as never);
});

test('a body that is not the named chunk is refused', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(1000, 2));
	const body = Buffer.from(sealed.body);
	body[999] ^= 1;
	const error = await t.throwsAsync(store.put(sealed.id, body));
	t.true(isTornetError(error, 'CORRUPT'));
	t.false(await store.has(sealed.id));
	t.is(store.usedBytes, 0);
});

test('a flipped byte on disk is CORRUPT on read and the body is dropped', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(200_000, 3));
	await store.put(sealed.id, sealed.body);
	const path = bodyPath(store.layout, sealed.id);
	const onDisk = await readFile(path);
	onDisk[150_000] ^= 0x10; // in slice 2
	await writeFile(path, onDisk);
	t.true(
		(await store.readRange(sealed.id, 0, 100_000)).equals(sealed.body.subarray(0, 100_000)),
		'slices 0–1 still verify',
	);
	const error = await t.throwsAsync(store.get(sealed.id));
	t.true(isTornetError(error, 'CORRUPT'));
	t.false(await store.has(sealed.id));
	await t.throwsAsync(readFile(path), {code: 'ENOENT'});
	t.is(store.usedBytes, 0);
	t.is(store.chunkCount, 0);
	t.is(await store.put(sealed.id, sealed.body), 'stored', 'fetched again');
	t.true((await store.get(sealed.id)).equals(sealed.body));
});

test('a range read over a corrupt slice is CORRUPT', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(200_000, 4));
	await store.put(sealed.id, sealed.body);
	const path = bodyPath(store.layout, sealed.id);
	const onDisk = await readFile(path);
	onDisk[SLICE_BYTES * 3 + 1] ^= 1;
	await writeFile(path, onDisk);
	const error = await t.throwsAsync(
		store.readRange(sealed.id, SLICE_BYTES * 3, SLICE_BYTES * 3 + 10),
	);
	t.true(isTornetError(error, 'CORRUPT'));
	t.false(await store.has(sealed.id));
});

test('a truncated or vanished body is not served', async (t) => {
	const {store} = await openTestStore(t);
	const a = sealChunk(patternBytes(100_000, 5));
	const b = sealChunk(patternBytes(100_000, 6));
	await store.put(a.id, a.body);
	await store.put(b.id, b.body);
	await writeFile(bodyPath(store.layout, a.id), a.body.subarray(0, 90_000));
	t.true(isTornetError(await t.throwsAsync(store.readRange(a.id, 95_000, 96_000)), 'CORRUPT'));
	await writeFile(bodyPath(store.layout, b.id), Buffer.alloc(0));
	await (await import('node:fs/promises')).unlink(bodyPath(store.layout, b.id));
	t.true(isTornetError(await t.throwsAsync(store.get(b.id)), 'NOT_FOUND'));
	t.is(store.chunkCount, 0);
});

test('concurrent puts of one chunk store it once', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(500_000, 7));
	const results = await Promise.all(
		Array.from({length: 8}, async (_, index) =>
			store.put(sealed.id, sealed.body, {pinned: index === 5}),
		),
	);
	t.is(results.filter((result) => result === 'stored').length, 1);
	t.is(store.chunkCount, 1);
	t.is(store.usedBytes, Math.ceil(500_000 / 4096) * 4096);
	t.true((await store.info(sealed.id))!.pinned);
	const files = await readdir(join(store.layout.root, sealed.id.toString('hex').slice(0, 2)));
	t.deepEqual(files, [sealed.id.toString('hex')]);
	t.deepEqual(await readdir(store.layout.temporary), []);
});

test('pins, deletes and the listing', async (t) => {
	const {store} = await openTestStore(t);
	const chunks = [1, 2, 3].map((seed) => sealChunk(patternBytes(5000 * seed, seed)));
	for (const chunk of chunks) await store.putSealed(chunk, {pinned: chunk === chunks[0]});
	t.is(await store.put(chunks[1].id, chunks[1].body, {pinned: true}), 'pinned');
	t.is(await store.put(chunks[1].id, chunks[1].body, {pinned: true}), 'present');
	t.true(await store.pin(chunks[2].id));
	t.true(await store.pin(chunks[2].id, false));
	const listed = [];
	for await (const info of store.list()) listed.push(info);
	t.deepEqual(
		listed.map((info) => [info.id.toString('hex'), info.size, info.pinned]).sort(),
		chunks.map((chunk, index) => [chunk.id.toString('hex'), chunk.size, index < 2]).sort(),
	);
	t.true(await store.delete(chunks[0].id));
	t.false(await store.delete(chunks[0].id));
	t.false(await store.pin(chunks[0].id));
	t.is(store.chunkCount, 2);
});

test('counters survive a clean close without a recovery scan', async (t) => {
	const {store, dataDir} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(70_000, 8));
	await store.put(sealed.id, sealed.body, {pinned: true});
	const used = store.usedBytes;
	await store.close();
	await t.throwsAsync(store.get(sealed.id), {code: 'NOT_RUNNING'} as never);
	const reopened = await ChunkStore.open({dataDir});
	t.teardown(async () => reopened.close());
	t.is(reopened.recovery, undefined, 'clean: no scan');
	t.is(reopened.usedBytes, used);
	t.is(reopened.chunkCount, 1);
	t.true((await reopened.get(sealed.id)).equals(sealed.body));
	t.true((await reopened.info(sealed.id))!.pinned);
});
