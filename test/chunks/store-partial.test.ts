import {readdir} from 'node:fs/promises';
import test from 'ava';
import {sealChunk} from '../../source/chunks/chunk-crypto.js';
import {ChunkStore} from '../../source/chunks/chunk-store.js';
import {openPartial, suspendPartials} from '../../source/chunks/partial-chunk.js';
import {SLICE_BYTES} from '../../source/chunks/slices.js';
import {isTornetError} from '../../source/errors.js';
import {openTestStore, patternBytes} from './store-fixture.js';

const sliceOf = (body: Buffer, index: number) =>
	body.subarray(index * SLICE_BYTES, (index + 1) * SLICE_BYTES);

test('slices from several sources assemble a verified chunk; bad slices are refused', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(5 * SLICE_BYTES + 123, 1));
	const partial = (await openPartial(store, sealed.id, sealed.size, sealed.slices))!;
	t.is(partial.sliceTotal, 6);
	t.deepEqual(partial.missing(), [0, 1, 2, 3, 4, 5]);
	const forged = Buffer.from(sliceOf(sealed.body, 2));
	forged[7] ^= 1;
	t.false(await partial.writeSlice(2, forged), 'a forged slice is refused');
	t.false(
		await partial.writeSlice(1, sliceOf(sealed.body, 2)),
		'a slice at the wrong index is refused',
	);
	t.false(await partial.writeSlice(6, Buffer.alloc(1)));
	await Promise.all(
		[5, 3, 1].map(async (index) => partial.writeSlice(index, sliceOf(sealed.body, index))),
	);
	t.deepEqual(partial.missing(), [0, 2, 4]);
	await t.throwsAsync(partial.finish(), {code: 'BAD_ARGUMENT'} as never);
	for (const index of [0, 2, 4])
		t.true(await partial.writeSlice(index, sliceOf(sealed.body, index)));
	t.true(partial.complete);
	t.is(await partial.finish(), 'stored');
	t.true((await store.get(sealed.id)).equals(sealed.body));
	t.deepEqual(await readdir(store.layout.partial), []);
	t.is(await openPartial(store, sealed.id, sealed.size, sealed.slices), undefined, 'already held');
});

test('a slice list that does not match the id is CORRUPT', async (t) => {
	const {store} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(100_000, 2));
	const slices = Buffer.from(sealed.slices);
	slices[0] ^= 1;
	t.true(
		isTornetError(
			await t.throwsAsync(openPartial(store, sealed.id, sealed.size, slices)),
			'CORRUPT',
		),
	);
});

test('a download resumes after a restart without the slices already verified', async (t) => {
	const {store, dataDir} = await openTestStore(t);
	const sealed = sealChunk(patternBytes(4 * SLICE_BYTES, 3));
	const [first, again] = await Promise.all([
		openPartial(store, sealed.id, sealed.size, sealed.slices, {pinned: true}),
		openPartial(store, sealed.id, sealed.size, sealed.slices),
	]);
	t.is(first, again, 'one download per chunk');
	await first!.writeSlice(0, sliceOf(sealed.body, 0));
	await first!.writeSlice(2, sliceOf(sealed.body, 2));
	const reserved = store.usedBytes;
	t.is(reserved, 4 * SLICE_BYTES, 'the download reserves its disk');
	await suspendPartials(store);
	await t.throwsAsync(first!.writeSlice(1, sliceOf(sealed.body, 1)), {code: 'ABORTED'} as never);
	await store.close();

	const reopened = await ChunkStore.open({dataDir});
	t.teardown(async () => reopened.close());
	t.is(reopened.usedBytes, reserved);
	const resumed = (await openPartial(reopened, sealed.id, sealed.size, sealed.slices))!;
	t.deepEqual(resumed.missing(), [1, 3]);
	t.true(resumed.pinned);
	for (const index of [1, 3]) await resumed.writeSlice(index, sliceOf(sealed.body, index));
	t.is(await resumed.finish(), 'stored');
	t.is(reopened.usedBytes, reserved);
	t.true((await reopened.info(sealed.id))!.pinned);
});

test('an abandoned download gives its disk back', async (t) => {
	const {store} = await openTestStore(t, {diskBytes: 2 * SLICE_BYTES});
	const sealed = sealChunk(patternBytes(2 * SLICE_BYTES, 4));
	const partial = (await openPartial(store, sealed.id, sealed.size, sealed.slices))!;
	const other = sealChunk(patternBytes(SLICE_BYTES, 5));
	t.true(isTornetError(await t.throwsAsync(store.putSealed(other, {pinned: true})), 'DISK_FULL'));
	await partial.abandon();
	t.is(store.usedBytes, 0);
	t.deepEqual(await readdir(store.layout.partial), []);
	t.is(await store.putSealed(other, {pinned: true}), 'stored');
	await t.throwsAsync(partial.writeSlice(0, sliceOf(sealed.body, 0)), {code: 'ABORTED'} as never);
});
