import test from 'ava';
import fc from 'fast-check';
import {decodeRoot, sealDescription} from '../../source/chunks/description-chunks.js';
import {
	type ChunkRef,
	decodeDescription,
	encodeDescription,
	type FileDescription,
	type FileEntry,
} from '../../source/chunks/file-description.js';
import {CHUNK_BYTES, sliceCount} from '../../source/chunks/slices.js';
import {isTornetError, TornetError} from '../../source/errors.js';
import {varintLength, writeVarint} from '../../source/util/varint.js';

const segment = fc
	.string({minLength: 1, maxLength: 12, unit: 'grapheme'})
	.filter((text) => text !== '.' && text !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(text));

const chunk: fc.Arbitrary<ChunkRef> = fc.integer({min: 1, max: CHUNK_BYTES}).chain((size) =>
	fc.record({
		id: fc.uint8Array({minLength: 20, maxLength: 20}).map((bytes) => Buffer.from(bytes)),
		key: fc.uint8Array({minLength: 32, maxLength: 32}).map((bytes) => Buffer.from(bytes)),
		size: fc.constant(size),
		slices: fc
			.uint8Array({minLength: sliceCount(size) * 20, maxLength: sliceCount(size) * 20})
			.map((bytes) => Buffer.from(bytes)),
	}),
);

const entry = (path: string): fc.Arbitrary<FileEntry> =>
	fc.array(chunk, {maxLength: 3}).map((chunks) => ({
		path,
		size: chunks.reduce((sum, c) => sum + c.size, 0),
		chunks,
	}));

/** Distinct file paths where no file is another's ancestor: leaves of a small tree. */
const paths = fc
	.uniqueArray(fc.array(segment, {minLength: 1, maxLength: 3}), {
		maxLength: 6,
		selector: (parts) => parts.join('/'),
	})
	.map((list) =>
		list
			.map((parts) => parts.join('/'))
			.filter((path, _, all) => !all.some((other) => other.startsWith(`${path}/`))),
	);

const description: fc.Arbitrary<FileDescription> = fc.oneof(
	segment.chain((name) =>
		entry(name).map((file) => ({kind: 'file' as const, name, files: [file]})),
	),
	fc.tuple(segment, paths).chain(([name, list]) =>
		fc.tuple(...list.map((path) => entry(path))).map((files) => ({
			kind: 'directory' as const,
			name,
			files,
		})),
	),
);

test('descriptions round-trip', (t) => {
	fc.assert(
		fc.property(description, (value) => {
			const decoded = decodeDescription(encodeDescription(value));
			t.deepEqual(decoded, value);
		}),
		{numRuns: 200},
	);
});

test('the decoder is total: random bytes give a description or an error value', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 600}), (bytes) => {
			const result = decodeDescription(bytes);
			t.true(
				result instanceof TornetError ? result.code === 'BAD_MESSAGE' : Array.isArray(result.files),
			);
		}),
		{numRuns: 2000},
	);
	// Random bytes rarely get past the version byte; mutated valid encodings reach deeper.
	fc.assert(
		fc.property(
			description,
			fc.array(fc.tuple(fc.nat(), fc.integer({min: 0, max: 255})), {minLength: 1, maxLength: 4}),
			fc.nat(),
			(value, edits, cut) => {
				const bytes = encodeDescription(value);
				for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
				const truncated = bytes.subarray(0, bytes.length - (cut % 3));
				const result = decodeDescription(truncated);
				// Whatever the decoder accepts, the encoder accepts and reproduces.
				if (!(result instanceof TornetError))
					t.deepEqual(decodeDescription(encodeDescription(result)), result);
			},
		),
		{numRuns: 500},
	);
});

function withPath(path: string, kind: 'file' | 'directory' = 'directory'): FileDescription {
	return {kind, name: 'root', files: [{path, size: 0, chunks: []}]};
}

/** Encodes without the encoder's checks, as a hostile peer would (files without chunks). */
function forge(value: FileDescription): Uint8Array {
	const string = (text: string) => {
		const bytes = Buffer.from(text);
		const length = Buffer.alloc(varintLength(bytes.length));
		writeVarint(length, 0, bytes.length);
		return [length, bytes];
	};

	const count = Buffer.alloc(varintLength(value.files.length));
	writeVarint(count, 0, value.files.length);
	const parts = [Buffer.from([1, value.kind === 'file' ? 0 : 1]), ...string(value.name), count];
	for (const file of value.files) parts.push(...string(file.path), Buffer.from([0]));
	return Buffer.concat(parts);
}

test('unsafe paths are refused by the decoder and the encoder', (t) => {
	t.false(
		decodeDescription(forge(withPath('fine/name.txt'))) instanceof TornetError,
		'forge works',
	);
	for (const path of [
		'..',
		'../etc/passwd',
		'a/../../b',
		'./a',
		'/etc/passwd',
		'a//b',
		'a/',
		'',
		'a\u0000b',
		'a\\..\\b',
		'\u001b[2Jx',
		'x'.repeat(256),
	]) {
		const decoded = decodeDescription(forge(withPath(path)));
		t.true(isTornetError(decoded, 'BAD_MESSAGE'), JSON.stringify(path));
		t.true(
			isTornetError(
				t.throws(() => encodeDescription(withPath(path))),
				'BAD_ARGUMENT',
			),
			JSON.stringify(path),
		);
	}
});

test('a path may not be both a file and a directory, nor appear twice', (t) => {
	const files = (list: string[]) =>
		forge({kind: 'directory', name: 'r', files: list.map((path) => ({path, size: 0, chunks: []}))});
	t.true(isTornetError(decodeDescription(files(['a', 'a'])), 'BAD_MESSAGE'));
	t.true(isTornetError(decodeDescription(files(['a/b', 'a'])), 'BAD_MESSAGE'));
	t.true(isTornetError(decodeDescription(files(['a', 'a/b'])), 'BAD_MESSAGE'));
	t.false(decodeDescription(files(['a/b', 'a/c', 'ab'])) instanceof TornetError);
});

test('a file description holds one file named like it', (t) => {
	t.throws(() => encodeDescription(withPath('other', 'file')));
	t.notThrows(() => encodeDescription(withPath('root', 'file')));
	t.true(isTornetError(decodeDescription(forge(withPath('other', 'file'))), 'BAD_MESSAGE'));
});

test('counts are checked before anything is allocated', (t) => {
	// version 1, directory, name "r", then a file count of 2^30.
	const bytes = Buffer.from([1, 1, 1, 0x72, 0xc0, 0, 0, 0, 0x40, 0, 0, 0]);
	t.true(isTornetError(decodeDescription(bytes), 'BAD_MESSAGE'));
	t.true(isTornetError(decodeDescription(Buffer.from([2, 0])), 'BAD_MESSAGE'), 'unknown version');
});

test('root chunks decode totally', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 300}), (bytes) => {
			const root = decodeRoot(bytes);
			t.true(root instanceof TornetError || root.kind === 'inline' || root.kind === 'parts');
		}),
		{numRuns: 1000},
	);
	const small = sealDescription(withPath('root', 'file'));
	t.is(small.parts.length, 0);
});
