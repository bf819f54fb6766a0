import test from 'ava';
import fc from 'fast-check';
import {contentRange, MAX_RANGES, parseRange} from '../../source/gateway/byte-range.js';

const SIZE = 1000;

test('single ranges: closed, open-ended, suffix, clamped', (t) => {
	t.deepEqual(parseRange('bytes=0-0', SIZE), {kind: 'partial', start: 0, end: 1});
	t.deepEqual(parseRange('bytes=10-19', SIZE), {kind: 'partial', start: 10, end: 20});
	t.deepEqual(parseRange('bytes=990-', SIZE), {kind: 'partial', start: 990, end: SIZE});
	t.deepEqual(parseRange('bytes=-10', SIZE), {kind: 'partial', start: 990, end: SIZE});
	t.deepEqual(parseRange('bytes=-5000', SIZE), {kind: 'partial', start: 0, end: SIZE});
	t.deepEqual(parseRange('bytes=500-99999', SIZE), {kind: 'partial', start: 500, end: SIZE});
	t.deepEqual(parseRange('BYTES=1-2', SIZE), {kind: 'partial', start: 1, end: 3});
	t.deepEqual(parseRange('bytes= 1-2 ', SIZE), {kind: 'partial', start: 1, end: 3});
	t.deepEqual(parseRange('bytes=007-008', SIZE), {kind: 'partial', start: 7, end: 9});
	t.deepEqual(parseRange('bytes=1-2,', SIZE), {kind: 'partial', start: 1, end: 3}, 'empty element');
	t.deepEqual(parseRange('bytes=0-99999999999999999999999', SIZE), {
		kind: 'partial',
		start: 0,
		end: SIZE,
	});
});

test('unsatisfiable ranges give 416', (t) => {
	t.deepEqual(parseRange(`bytes=${SIZE}-`, SIZE), {kind: 'unsatisfiable'});
	t.deepEqual(parseRange(`bytes=${SIZE}-${SIZE + 5}`, SIZE), {kind: 'unsatisfiable'});
	t.deepEqual(parseRange('bytes=-0', SIZE), {kind: 'unsatisfiable'});
	t.deepEqual(parseRange('bytes=5000-6000,7000-', SIZE), {kind: 'unsatisfiable'});
	t.deepEqual(parseRange('bytes=99999999999999999999-', SIZE), {kind: 'unsatisfiable'});
});

test('absent, foreign or malformed headers are ignored (whole file)', (t) => {
	t.deepEqual(parseRange(undefined, SIZE), {kind: 'whole', why: 'absent'});
	t.deepEqual(parseRange('', SIZE), {kind: 'whole', why: 'absent'});
	for (const header of [
		'items=0-1',
		'bytes',
		'bytes=',
		'bytes=-',
		'bytes=5-1',
		'bytes=a-b',
		'bytes=1-2-3',
		'bytes=0x10-20',
		'bytes=1e3-',
		'bytes=+1-2',
		'bytes=1 - 2',
		'bytes=0-1,x',
		`bytes=${'0-0,'.repeat(MAX_RANGES + 1)}`,
		`bytes=0-${'9'.repeat(2000)}`,
	])
		t.deepEqual(parseRange(header, SIZE), {kind: 'whole', why: 'ignored'}, header);
	t.deepEqual(parseRange('bytes=0-0', 0), {kind: 'whole', why: 'ignored'}, 'empty file');
});

test('several ranges are answered with the whole file', (t) => {
	t.deepEqual(parseRange('bytes=0-1,5-9', SIZE), {kind: 'whole', why: 'multiple'});
	t.deepEqual(parseRange('bytes=0-1, 5000-', SIZE), {kind: 'whole', why: 'multiple'});
});

test('Content-Range of a 206 and a 416', (t) => {
	t.is(contentRange(SIZE, {start: 0, end: 1}), 'bytes 0-0/1000');
	t.is(contentRange(SIZE, {start: 990, end: SIZE}), 'bytes 990-999/1000');
	t.is(contentRange(SIZE), 'bytes */1000');
});

test('property: any string gives a value, never a throw, and partial ranges lie in the file', (t) => {
	const header = fc.oneof(
		fc.string({maxLength: 60}),
		fc.string({unit: fc.constantFrom(...'bytes=0123456789-, \t'), maxLength: 40}),
		fc.stringMatching(/^bytes=\d{0,20}-\d{0,20}(,\d{0,5}-\d{0,5}){0,3}$/),
	);
	fc.assert(
		fc.property(header, fc.nat({max: 1 << 30}), (text, size) => {
			const range = parseRange(text, size);
			if (range.kind === 'partial') {
				t.true(Number.isInteger(range.start) && Number.isInteger(range.end));
				t.true(range.start >= 0 && range.start < range.end && range.end <= size);
			} else {
				t.true(range.kind === 'whole' || range.kind === 'unsatisfiable');
			}
		}),
		{numRuns: 3000},
	);
});

test('property: one well-formed range matches a model of RFC 9110', (t) => {
	// first-last (either may be missing, not both), against a file that may be shorter than both.
	const spec = fc.record({
		first: fc.option(fc.nat({max: 5000}), {nil: undefined}),
		last: fc.option(fc.nat({max: 5000}), {nil: undefined}),
	});
	fc.assert(
		fc.property(spec, fc.integer({min: 1, max: 4000}), ({first, last}, size) => {
			const header = `bytes=${first ?? ''}-${last ?? ''}`;
			const range = parseRange(header, size);
			if (first === undefined && last === undefined) {
				t.deepEqual(range, {kind: 'whole', why: 'ignored'});
			} else if (first === undefined) {
				t.deepEqual(
					range,
					last === 0
						? {kind: 'unsatisfiable'}
						: {kind: 'partial', start: Math.max(0, size - last!), end: size},
				);
			} else if (last !== undefined && last < first) {
				t.deepEqual(range, {kind: 'whole', why: 'ignored'});
			} else if (first >= size) {
				t.deepEqual(range, {kind: 'unsatisfiable'});
			} else {
				const end = last === undefined ? size : Math.min(last + 1, size);
				t.deepEqual(range, {kind: 'partial', start: first, end});
			}
		}),
		{numRuns: 3000},
	);
});
