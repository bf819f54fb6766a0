import test from 'ava';
import fc from 'fast-check';
import {Reader, VARINT_MAX, varintLength, writeVarint} from '../../source/util/varint.js';

test('varints round-trip at every length boundary', (t) => {
	const buffer = new Uint8Array(8);
	for (const value of [0, 63, 64, 16_383, 16_384, 0x3fff_ffff, 0x4000_0000, VARINT_MAX]) {
		const end = writeVarint(buffer, 0, value);
		t.is(end, varintLength(value));
		const reader = new Reader(buffer, 0, end);
		t.is(reader.varint(), value);
		t.false(reader.failed);
	}
});

test('RFC 9000 appendix A.1 examples decode', (t) => {
	const cases: Array<[string, number]> = [
		['c2197c5eff14e88c', 151_288_809_941_952_652],
		['9d7f3e7d', 494_878_333],
		['7bbd', 15_293],
		['25', 37],
	];
	for (const [hex, value] of cases) {
		const reader = new Reader(Buffer.from(hex, 'hex'));
		const decoded = reader.varint();
		if (value > VARINT_MAX) {
			t.true(reader.failed, 'values beyond 2^53 are refused rather than rounded');
		} else {
			t.is(decoded, value);
		}
	}
});

test('reads past the end fail without throwing', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 12}), (bytes) => {
			const reader = new Reader(bytes);
			reader.varint();
			reader.u32();
			reader.bytesView(5);
			reader.u16();
			return reader.offset <= bytes.length;
		}),
	);
	const reader = new Reader(new Uint8Array([0x80, 1]));
	t.is(reader.varint(), 0);
	t.true(reader.failed);
});

test('property: any safe value round-trips', (t) => {
	fc.assert(
		fc.property(fc.integer({min: 0, max: VARINT_MAX}), (value) => {
			const buffer = new Uint8Array(8);
			const end = writeVarint(buffer, 0, value);
			return new Reader(buffer, 0, end).varint() === value;
		}),
	);
	t.pass();
});
