import {CHUNK_BYTES, sliceCount, SLICE_HASH_BYTES} from '../../../source/chunks/slices.js';
import {decodeRoot} from '../../../source/chunks/description-chunks.js';
import {
	decodeDescription,
	encodeDescription,
	type FileDescription,
	MAX_DESCRIPTION_BYTES,
} from '../../../source/chunks/file-description.js';
import {
	decodeClean,
	decodeEntry,
	decodePartial,
	encodeClean,
	encodeEntry,
} from '../../../source/chunks/store-index.js';
import {writeVarint} from '../../../source/util/varint.js';
import type {Random} from '../random.js';
import {check, codecTarget, type TargetSpec} from '../target.js';

const NAMES = ['report.pdf', 'a', 'ünïcode ✓', 'dir', 'sub', 'x.bin', 'notes.txt'];

function chunk(random: Random, size: number) {
	return {
		id: random.bytes(20),
		key: random.bytes(32),
		size,
		slices: random.bytes(sliceCount(size) * SLICE_HASH_BYTES),
	};
}

function chunkSize(random: Random): number {
	return random.pick([1, 100, 65_536, 65_537, 200_000, CHUNK_BYTES]);
}

function description(random: Random): FileDescription {
	if (random.chance(0.4)) {
		const name = random.pick(NAMES);
		const chunks = Array.from({length: random.between(0, 3)}, () =>
			chunk(random, chunkSize(random)),
		);
		return {
			kind: 'file',
			name,
			files: [{path: name, size: chunks.reduce((sum, c) => sum + c.size, 0), chunks}],
		};
	}

	const paths = new Set<string>();
	const count = random.between(0, 5);
	for (let i = 0; i < count; i++)
		paths.add(random.chance(0.5) ? `${random.pick(NAMES)}-${i}` : `sub/${random.pick(NAMES)}-${i}`);
	const files = [...paths].map((path) => {
		const chunks = Array.from({length: random.between(0, 2)}, () =>
			chunk(random, chunkSize(random)),
		);
		return {path, size: chunks.reduce((sum, c) => sum + c.size, 0), chunks};
	});
	return {kind: 'directory', name: random.pick(NAMES), files};
}

/** A root chunk's plaintext listing parts; sealDescription makes one only past 1 MiB, so build it. */
function partsRoot(random: Random): Buffer {
	const length = CHUNK_BYTES * random.between(1, 3) + random.between(1, 1000);
	const sizes: number[] = [];
	for (let rest = length; rest > 0; rest -= CHUNK_BYTES) sizes.push(Math.min(rest, CHUNK_BYTES));
	const out = Buffer.alloc(32 + sizes.length * (8 + 20 + 32 + 16 * SLICE_HASH_BYTES));
	out[0] = 1;
	out[1] = 1;
	let offset = writeVarint(out, 2, length);
	offset = writeVarint(out, offset, sizes.length);
	for (const size of sizes) {
		offset = writeVarint(out, offset, size);
		offset += random.bytes(20 + 32 + sliceCount(size) * SLICE_HASH_BYTES).copy(out, offset);
	}

	return out.subarray(0, offset);
}

export const chunkTargets: TargetSpec[] = [
	codecTarget({
		name: 'file-description',
		about:
			'chunks/file-description decodeDescription: counts vs remaining bytes, chunk sizes, slice hashes, hostile paths, round trip',
		seeds: (random) => Array.from({length: 24}, () => encodeDescription(description(random))),
		decode: decodeDescription,
		encode: encodeDescription,
		check(value) {
			check(
				value.files.every(
					(file) => !file.path.startsWith('/') && !file.path.split('/').includes('..'),
				),
				'unsafe path decoded',
			);
		},
		dictionary: ['/', '..', '../', '\\', '\u0000', '\u00ff', 'sub/'],
		maxBytes: 16_384,
	}),
	codecTarget({
		name: 'description-root',
		about:
			'chunks/description-chunks decodeRoot: inline and parts roots, part sizes summing to the length',
		seeds: (random) => [
			...Array.from({length: 6}, () =>
				Buffer.concat([Buffer.from([1, 0]), encodeDescription(description(random))]),
			),
			...Array.from({length: 6}, () => partsRoot(random)),
		],
		decode: decodeRoot,
		check(root) {
			if (root.kind === 'inline') return;
			check(root.length <= MAX_DESCRIPTION_BYTES, 'root length bound');
			check(root.parts.reduce((sum, part) => sum + part.size, 0) === root.length, 'parts sum');
			for (const part of root.parts)
				check(part.slices.length === sliceCount(part.size) * SLICE_HASH_BYTES, 'part slices');
		},
		maxBytes: 8192,
	}),
	codecTarget({
		name: 'store-index',
		about:
			'chunks/store-index decodeEntry/decodePartial/decodeClean (LevelDB records: local input, decoded totally)',
		seeds(random) {
			return [
				...Array.from({length: 8}, () => {
					const size = chunkSize(random);
					return encodeEntry({
						size,
						pinned: random.chance(0.5),
						lastAccess: 1_700_000_000_000 + random.int(1e9) * 1000,
						slices: random.bytes(sliceCount(size) * SLICE_HASH_BYTES),
					});
				}),
				encodeClean(random.int(2 ** 40), random.int(1e6)),
			];
		},
		decode(input) {
			decodePartial(input);
			const clean = decodeClean(input);
			if (clean)
				check(encodeClean(clean.bytes, clean.chunks).length <= input.length, 'clean record');
			return decodeEntry(input);
		},
		encode: encodeEntry,
		// A last access past 2^53 ms is refused by decodeEntry, so every record round-trips.
		lossless: true,
		maxBytes: 400,
	}),
];
