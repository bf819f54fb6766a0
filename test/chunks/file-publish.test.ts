import {mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {Writable} from 'node:stream';
import test from 'ava';
import {readEntryRange, readFileFromStore} from '../../source/chunks/assemble-file.js';
import {loadDescription} from '../../source/chunks/description-chunks.js';
import {parseLink} from '../../source/chunks/link.js';
import {publishFile, type PublishProgress} from '../../source/chunks/publish-local.js';
import {CHUNK_BYTES, SLICE_BYTES} from '../../source/chunks/slices.js';
import {isTornetError} from '../../source/errors.js';
import {openTestStore, patternBytes, temporaryDirectory} from './store-fixture.js';

function collector(): {stream: Writable; bytes: () => Buffer} {
	const parts: Buffer[] = [];
	const stream = new Writable({
		highWaterMark: 1 << 16,
		write(chunk: Buffer, _encoding, done) {
			parts.push(Buffer.from(chunk));
			setImmediate(done);
		},
	});
	return {stream, bytes: () => Buffer.concat(parts)};
}

const SIZES = [
	0,
	1,
	SLICE_BYTES - 1,
	SLICE_BYTES,
	SLICE_BYTES + 1,
	CHUNK_BYTES - 1,
	CHUNK_BYTES,
	CHUNK_BYTES + 1,
	5.5 * CHUNK_BYTES,
];

test('files of every boundary size round-trip through the store', async (t) => {
	const {store} = await openTestStore(t);
	const directory = await temporaryDirectory(t);
	for (const size of SIZES) {
		const content = patternBytes(size, size + 1);
		const path = join(directory, `file-${size}.bin`);
		await writeFile(path, content);
		const progress: PublishProgress[] = [];
		const result = await publishFile(store, path, (update) => progress.push(update));
		t.is(result.bytes, size);
		t.is(
			result.chunks,
			Math.ceil(size / CHUNK_BYTES) + 1,
			'content chunks and one description chunk',
		);
		t.is(progress.at(-1)?.bytesDone ?? 0, size);
		if (size > 0) t.is(progress.at(-1)!.bytesTotal, size);
		const {stream, bytes} = collector();
		const read = await readFileFromStore(store, result.link, stream);
		t.is(read.bytes, size);
		t.true(bytes().equals(content), `size ${size}`);
		const out = join(directory, `out-${size}.bin`);
		await readFileFromStore(store, parseLink(result.link), out);
		t.true((await readFile(out)).equals(content));
	}
});

test('a directory tree round-trips, and one file of it can be read alone', async (t) => {
	const {store} = await openTestStore(t);
	const source = join(await temporaryDirectory(t), 'photos');
	const files: Record<string, Buffer> = {
		'a.txt': Buffer.from('hello'),
		empty: Buffer.alloc(0),
		'sub/b.bin': patternBytes(CHUNK_BYTES + 5, 2),
		'sub/deeper/c.bin': patternBytes(3000, 3),
		'sub/deeper/copy-of-c.bin': patternBytes(3000, 3),
	};
	for (const [path, content] of Object.entries(files)) {
		await mkdir(join(source, path, '..'), {recursive: true});
		await writeFile(join(source, path), content);
	}

	await mkdir(join(source, 'empty-dir'));
	const result = await publishFile(store, source);
	t.is(result.description.kind, 'directory');
	t.is(result.description.name, 'photos');
	t.deepEqual(
		result.description.files.map((file) => file.path),
		Object.keys(files).sort(),
	);
	const [c, copy] = result.description.files.slice(3);
	t.true(c.chunks[0].id.equals(copy.chunks[0].id), 'identical content, identical chunk');

	const target = await temporaryDirectory(t);
	const read = await readFileFromStore(store, result.link, target);
	t.is(read.files, 5);
	for (const [path, content] of Object.entries(files))
		t.true((await readFile(join(target, 'photos', path))).equals(content), path);
	t.deepEqual((await readdir(target)).sort(), ['photos'], 'no temporary left beside it');
	t.true(
		isTornetError(
			await t.throwsAsync(readFileFromStore(store, result.link, target)),
			'BAD_ARGUMENT',
		),
		'never written over an existing directory',
	);

	const {stream, bytes} = collector();
	await readFileFromStore(store, result.link, stream, {file: 'sub/b.bin'});
	t.true(bytes().equals(files['sub/b.bin']));
	await t.throwsAsync(readFileFromStore(store, result.link, collector().stream), {
		code: 'BAD_ARGUMENT',
	} as never);
	await t.throwsAsync(readFileFromStore(store, result.link, collector().stream, {file: 'nope'}), {
		code: 'NOT_FOUND',
	} as never);
});

test('publishing converges: same content, same link and no new chunks', async (t) => {
	const {store} = await openTestStore(t);
	const directory = await temporaryDirectory(t);
	const content = patternBytes(2.5 * CHUNK_BYTES, 9);
	await mkdir(join(directory, 'one'));
	await mkdir(join(directory, 'two'));
	await writeFile(join(directory, 'one', 'x.bin'), content);
	await writeFile(join(directory, 'two', 'x.bin'), content);
	const first = await publishFile(store, join(directory, 'one', 'x.bin'));
	const count = store.chunkCount;
	const second = await publishFile(store, join(directory, 'two', 'x.bin'));
	t.is(second.link, first.link);
	t.is(store.chunkCount, count);
});

test('ranges of a file decrypt from the covering slices only', async (t) => {
	const {store} = await openTestStore(t);
	const path = join(await temporaryDirectory(t), 'r.bin');
	const content = patternBytes(2 * CHUNK_BYTES + 777, 4);
	await writeFile(path, content);
	const {link} = await publishFile(store, path);
	const [entry] = (await loadDescription(store, parseLink(link))).files;
	for (const [start, end] of [
		[0, 1],
		[CHUNK_BYTES - 3, CHUNK_BYTES + 3],
		[100, 2 * CHUNK_BYTES + 777],
		[5, 5],
	]) {
		const parts: Buffer[] = [];
		for await (const part of readEntryRange(store, entry, start, end)) parts.push(part);
		t.true(Buffer.concat(parts).equals(content.subarray(start, end)), `${start}–${end}`);
	}
});

test('a missing path is NOT_FOUND, a special file BAD_ARGUMENT, a bad link BAD_ARGUMENT', async (t) => {
	const {store} = await openTestStore(t);
	const directory = await temporaryDirectory(t);
	t.true(
		isTornetError(await t.throwsAsync(publishFile(store, join(directory, 'nope'))), 'NOT_FOUND'),
	);
	t.true(isTornetError(await t.throwsAsync(publishFile(store, '/dev/null')), 'BAD_ARGUMENT'));
	t.true(
		isTornetError(
			await t.throwsAsync(readFileFromStore(store, 'tornet:xyz', collector().stream)),
			'BAD_ARGUMENT',
		),
	);
	const unknown = `tornet:${'ab'.repeat(20)}.${'a'.repeat(52)}`;
	t.true(
		isTornetError(
			await t.throwsAsync(readFileFromStore(store, unknown, collector().stream)),
			'NOT_FOUND',
		),
	);
	t.is(store.chunkCount, 0);
});

(process.getuid?.() === 0 ? test.skip : test)('an unreadable file is BAD_ARGUMENT', async (t) => {
	const {store} = await openTestStore(t);
	const path = join(await temporaryDirectory(t), 'secret');
	await writeFile(path, 'x', {mode: 0o000});
	t.true(isTornetError(await t.throwsAsync(publishFile(store, path)), 'BAD_ARGUMENT'));
});

test('a publish that does not fit leaves nothing behind, and keeps what was there', async (t) => {
	const {store} = await openTestStore(t, {diskBytes: 3 * CHUNK_BYTES});
	const directory = await temporaryDirectory(t);
	const small = join(directory, 'small');
	await writeFile(small, patternBytes(CHUNK_BYTES, 1));
	const kept = await publishFile(store, small);
	const before = {chunks: store.chunkCount, used: store.usedBytes};
	const big = join(directory, 'big');
	// Starts with the same megabyte: that chunk is already held and must survive the rollback.
	await writeFile(
		big,
		Buffer.concat([patternBytes(CHUNK_BYTES, 1), patternBytes(3 * CHUNK_BYTES, 2)]),
	);
	t.true(isTornetError(await t.throwsAsync(publishFile(store, big)), 'DISK_FULL'));
	t.deepEqual({chunks: store.chunkCount, used: store.usedBytes}, before);
	t.deepEqual(await readdir(store.layout.temporary), []);
	const {stream, bytes} = collector();
	await readFileFromStore(store, kept.link, stream);
	t.true(bytes().equals(patternBytes(CHUNK_BYTES, 1)));
});

test('an aborted publish is ABORTED and rolled back', async (t) => {
	const {store} = await openTestStore(t);
	const path = join(await temporaryDirectory(t), 'long');
	await writeFile(path, patternBytes(4 * CHUNK_BYTES, 6));
	const controller = new AbortController();
	const publishing = publishFile(store, path, {
		signal: controller.signal,
		onProgress: () => controller.abort(),
	});
	t.true(isTornetError(await t.throwsAsync(publishing), 'ABORTED'));
	t.is(store.chunkCount, 0);
	t.is(store.usedBytes, 0);
});

test('a failed read leaves no file under the target name', async (t) => {
	const {store} = await openTestStore(t);
	const directory = await temporaryDirectory(t);
	const path = join(directory, 'src');
	await writeFile(path, patternBytes(2 * CHUNK_BYTES, 7));
	const {link, description} = await publishFile(store, path);
	await store.delete(description.files[0].chunks[1].id);
	const out = join(directory, 'out');
	t.true(isTornetError(await t.throwsAsync(readFileFromStore(store, link, out)), 'NOT_FOUND'));
	await t.throwsAsync(stat(out));
	t.deepEqual((await readdir(directory)).sort(), ['src']);
});

test("publishing a parent of the node's data directory leaves the store out", async (t) => {
	const home = await temporaryDirectory(t);
	const {store} = await openTestStore(t, {dataDir: join(home, 'node')});
	await writeFile(join(home, 'notes.txt'), 'remember');
	const result = await publishFile(store, home);
	t.deepEqual(
		result.description.files.map((file) => file.path),
		['notes.txt'],
	);
});

test('sealing in the worker thread gives the same link as sealing inline', async (t) => {
	const {store} = await openTestStore(t);
	const other = await openTestStore(t);
	const path = join(await temporaryDirectory(t), 'threaded.bin');
	const content = patternBytes(5.5 * CHUNK_BYTES, 12);
	await writeFile(path, content);
	const threaded = await publishFile(store, path, {sealThread: true});
	const inline = await publishFile(other.store, path, {sealThread: false});
	t.is(threaded.link, inline.link);
	t.true(threaded.timings.hashMs > 0, 'the thread reports its hashing time');
	const {stream, bytes} = collector();
	await readFileFromStore(store, threaded.link, stream);
	t.true(bytes().equals(content));
});
