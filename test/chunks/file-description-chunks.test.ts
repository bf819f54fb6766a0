import test from 'ava';
import {openChunk} from '../../source/chunks/chunk-crypto.js';
import {
	decodeRoot,
	loadDescription,
	sealDescription,
	storeDescription,
} from '../../source/chunks/description-chunks.js';
import type {FileDescription} from '../../source/chunks/file-description.js';
import {parseLink} from '../../source/chunks/link.js';
import {CHUNK_BYTES, SLICE_HASH_BYTES} from '../../source/chunks/slices.js';
import {openTestStore, patternBytes} from './store-fixture.js';

/** A description of a 3 GiB file: its chunk list alone is over 1 MiB. */
function hugeDescription(): FileDescription {
	const chunks = Array.from({length: 3000}, (_, index) => ({
		id: patternBytes(20, index + 1),
		key: patternBytes(32, index + 100_000),
		size: CHUNK_BYTES,
		slices: patternBytes(16 * SLICE_HASH_BYTES, index + 200_000),
	}));
	return {
		kind: 'file',
		name: 'huge.iso',
		files: [{path: 'huge.iso', size: 3000 * CHUNK_BYTES, chunks}],
	};
}

test('a description over one chunk is split into parts behind one root', async (t) => {
	const {store} = await openTestStore(t);
	const description = hugeDescription();
	const sealed = sealDescription(description);
	t.is(sealed.parts.length, 2);
	const root = decodeRoot(openChunk(sealed.root.body, sealed.root.key));
	t.true(!(root instanceof Error) && root.kind === 'parts' && root.parts.length === 2);

	const stored = await storeDescription(store, description);
	t.is(stored.chunks, 3);
	t.true(parseLink(stored.link).id.equals(sealed.root.id), 'sealing is deterministic');
	t.deepEqual(await loadDescription(store, parseLink(stored.link)), description);
	for await (const info of store.list()) t.true(info.pinned);
});

test('a small description is inline in its root', async (t) => {
	const {store} = await openTestStore(t);
	const description: FileDescription = {kind: 'directory', name: 'empty', files: []};
	const stored = await storeDescription(store, description);
	t.is(stored.chunks, 1);
	t.deepEqual(await loadDescription(store, parseLink(stored.link)), description);
});

test('a link with the wrong key does not yield a description', async (t) => {
	const {store} = await openTestStore(t);
	const stored = await storeDescription(store, {kind: 'directory', name: 'd', files: []});
	const link = parseLink(stored.link);
	link.key[0] ^= 1;
	await t.throwsAsync(loadDescription(store, link), {code: 'BAD_MESSAGE'} as never);
});
