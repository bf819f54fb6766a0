import {readdir} from 'node:fs/promises';
import test from 'ava';
import {sealChunk} from '../../source/chunks/chunk-crypto.js';
import type {ChunkInfo, EvictionPolicy} from '../../source/chunks/eviction.js';
import {isTornetError} from '../../source/errors.js';
import {openTestStore, patternBytes} from './store-fixture.js';

const BLOCKS = 4096;
const chunkOf = (seed: number, blocks = 10) => sealChunk(patternBytes(blocks * BLOCKS, seed));

test('a pinned write that cannot fit is DISK_FULL and leaves nothing behind', async (t) => {
	const {store} = await openTestStore(t, {diskBytes: 25 * BLOCKS});
	await store.putSealed(chunkOf(1), {pinned: true});
	await store.putSealed(chunkOf(2), {pinned: true});
	const third = chunkOf(3);
	const error = await t.throwsAsync(store.putSealed(third, {pinned: true}));
	t.true(isTornetError(error, 'DISK_FULL'));
	t.false(await store.has(third.id));
	t.is(store.usedBytes, 20 * BLOCKS);
	t.deepEqual(await readdir(store.layout.temporary), []);
	t.is(await store.putSealed(chunkOf(4, 5), {pinned: true}), 'stored', 'what fits still fits');
});

test('unpinned chunks make room, least recently used first; pinned ones never do', async (t) => {
	let now = 1_000_000;
	const {store} = await openTestStore(t, {diskBytes: 40 * BLOCKS, now: () => now});
	const [pinned, old, middle, recent] = [1, 2, 3, 4].map((seed) => chunkOf(seed));
	await store.putSealed(pinned, {pinned: true});
	for (const chunk of [old, middle, recent]) {
		now += 120_000;
		await store.putSealed(chunk);
	}

	now += 120_000;
	await store.get(old.id); // a read more than a minute later refreshes its last access
	now += 120_000;
	await store.putSealed(chunkOf(5), {pinned: true});
	t.false(await store.has(middle.id), 'the least recently used goes');
	t.true(await store.has(old.id));
	t.true(await store.has(recent.id));
	t.true(await store.has(pinned.id));
	t.is(store.usedBytes, 40 * BLOCKS);

	await store.putSealed(chunkOf(6, 15), {pinned: true});
	t.false(await store.has(recent.id));
	t.false(await store.has(old.id));
	t.true(await store.has(pinned.id));
	t.is(store.usedBytes, 35 * BLOCKS);

	const error = await t.throwsAsync(store.putSealed(chunkOf(7, 10)));
	t.true(isTornetError(error, 'DISK_FULL'), 'only pinned chunks left: a cached write does not fit');
});

test('a caller-supplied policy chooses the victims; pinned ids it names are skipped', async (t) => {
	const calls: Array<{needed: number; seen: ChunkInfo[]}> = [];
	let victims: Buffer[] = [];
	const policy: EvictionPolicy = async (needed, chunks) => {
		const seen: ChunkInfo[] = [];
		for await (const chunk of chunks()) seen.push(chunk);
		calls.push({needed, seen});
		return victims;
	};

	const {store} = await openTestStore(t, {diskBytes: 30 * BLOCKS, evictionPolicy: policy});
	const [a, b, c] = [1, 2, 3].map((seed) => chunkOf(seed));
	await store.putSealed(a, {pinned: true});
	await store.putSealed(b);
	await store.putSealed(c);
	t.is(calls.length, 0);
	victims = [a.id, c.id, b.id];
	await store.putSealed(chunkOf(4, 5));
	t.is(calls.length, 1);
	t.is(calls[0].needed, 5 * BLOCKS);
	t.deepEqual(calls[0].seen.map((info) => [info.size, info.pinned]).sort(), [
		[10 * BLOCKS, false],
		[10 * BLOCKS, false],
		[10 * BLOCKS, true],
	]);
	t.true(await store.has(a.id), 'pinned: skipped');
	t.false(await store.has(c.id), 'dropped first');
	t.true(await store.has(b.id), 'no more than needed');
});

test('a smaller budget applies to the next write', async (t) => {
	const {store} = await openTestStore(t);
	await store.putSealed(chunkOf(1), {pinned: true});
	store.setDiskBytes(15 * BLOCKS);
	t.true(
		isTornetError(await t.throwsAsync(store.putSealed(chunkOf(2), {pinned: true})), 'DISK_FULL'),
	);
	t.true(
		isTornetError(
			t.throws(() => store.setDiskBytes(Number.NaN)),
			'BAD_ARGUMENT',
		),
	);
});
