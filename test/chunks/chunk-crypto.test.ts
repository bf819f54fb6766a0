import test from 'ava';
import {contentKey, openChunk, openRange, sealChunk} from '../../source/chunks/chunk-crypto.js';
import {
	CHUNK_BYTES,
	chunkIdOf,
	coveringSlices,
	SLICE_BYTES,
	sliceCount,
	sliceHashes,
	slicesMatchId,
	verifyBody,
	verifySlice,
} from '../../source/chunks/slices.js';
import {isTornetError} from '../../source/errors.js';
import {patternBytes} from './store-fixture.js';

test('a sealed chunk opens to its plaintext and is named by its body', (t) => {
	for (const size of [
		1,
		SLICE_BYTES - 1,
		SLICE_BYTES,
		SLICE_BYTES + 1,
		CHUNK_BYTES - 1,
		CHUNK_BYTES,
	]) {
		const plain = patternBytes(size, size);
		const sealed = sealChunk(plain);
		t.is(sealed.size, size);
		t.false(sealed.body.equals(plain), 'the body is not the plaintext');
		t.true(openChunk(sealed.body, sealed.key).equals(plain));
		t.true(chunkIdOf(sealed.body).equals(sealed.id));
		t.is(sealed.slices.length, sliceCount(size) * 20);
		t.true(sealed.slices.equals(sliceHashes(sealed.body)));
		t.true(slicesMatchId(sealed.id, size, sealed.slices));
		t.true(contentKey(plain).equals(sealed.key));
	}
});

test('identical plaintexts converge on one body and id; different ones do not', (t) => {
	const a = sealChunk(patternBytes(100_000, 7));
	const b = sealChunk(Buffer.from(patternBytes(100_000, 7)));
	t.true(a.id.equals(b.id));
	t.true(a.body.equals(b.body));
	const other = Buffer.from(patternBytes(100_000, 7));
	other[99_999] ^= 1;
	const c = sealChunk(other);
	t.false(c.id.equals(a.id));
	t.false(c.key.equals(a.key));
});

test('one flipped byte anywhere fails the body and exactly its slice', (t) => {
	const sealed = sealChunk(patternBytes(3 * SLICE_BYTES + 10, 3));
	t.truthy(verifyBody(sealed.id, sealed.body));
	for (const offset of [0, SLICE_BYTES + 5, 3 * SLICE_BYTES + 9]) {
		const body = Buffer.from(sealed.body);
		body[offset] ^= 0x80;
		t.is(verifyBody(sealed.id, body), undefined);
		const bad = Math.floor(offset / SLICE_BYTES);
		for (let index = 0; index < 4; index++) {
			const slice = body.subarray(index * SLICE_BYTES, (index + 1) * SLICE_BYTES);
			t.is(verifySlice(sealed.slices, index, slice), index !== bad);
		}
	}

	t.false(verifySlice(sealed.slices, 4, Buffer.alloc(0)), 'no slice beyond the list');
	t.false(verifySlice(sealed.slices, 0, sealed.body.subarray(0, SLICE_BYTES - 1)), 'short slice');
	t.is(
		verifyBody(sealed.id, sealed.body.subarray(0, sealed.size - 1)),
		undefined,
		'truncated body',
	);
});

test('a slice list that does not hash to the id is refused', (t) => {
	const sealed = sealChunk(patternBytes(2 * SLICE_BYTES, 5));
	const slices = Buffer.from(sealed.slices);
	slices[25] ^= 1;
	t.false(slicesMatchId(sealed.id, sealed.size, slices));
	t.false(slicesMatchId(sealed.id, sealed.size + 1, sealed.slices), 'size is bound too');
	t.false(slicesMatchId(sealed.id, sealed.size, sealed.slices.subarray(20)));
});

test('a range decrypts on its own at any offset', (t) => {
	const plain = patternBytes(200_000, 11);
	const sealed = sealChunk(plain);
	for (const [start, end] of [
		[0, 1],
		[1, 65],
		[63, 64],
		[64, 200_000],
		[12_345, 123_457],
	]) {
		const opened = openRange(sealed.body.subarray(start, end), sealed.key, start);
		t.true(opened.equals(plain.subarray(start, end)), `${start}–${end}`);
	}
});

test('chunks are 1 byte to 1 MiB', (t) => {
	for (const size of [0, CHUNK_BYTES + 1]) {
		const error = t.throws(() => sealChunk(Buffer.alloc(size)));
		t.true(isTornetError(error, 'BAD_ARGUMENT'));
	}
});

test('covering slices of a byte range', (t) => {
	t.deepEqual(coveringSlices(0, 1), {first: 0, last: 0});
	t.deepEqual(coveringSlices(SLICE_BYTES - 1, SLICE_BYTES + 1), {first: 0, last: 1});
	t.deepEqual(coveringSlices(SLICE_BYTES, 2 * SLICE_BYTES), {first: 1, last: 1});
});
