import test from 'ava';
import fc from 'fast-check';
import {base32Decode, base32Encode, formatLink, parseLink} from '../../source/chunks/link.js';
import {isTornetError} from '../../source/errors.js';

const link = fc.record({
	id: fc.uint8Array({minLength: 20, maxLength: 20}).map((bytes) => Buffer.from(bytes)),
	key: fc.uint8Array({minLength: 32, maxLength: 32}).map((bytes) => Buffer.from(bytes)),
});

test('links round-trip and have one spelling', (t) => {
	fc.assert(
		fc.property(link, (value) => {
			const text = formatLink(value);
			t.regex(text, /^tornet:[\da-f]{40}\.[a-z2-7]{52}$/);
			t.deepEqual(parseLink(text), value);
			t.deepEqual(parseLink(text.toUpperCase().replace('TORNET:', 'tornet:')), value);
		}),
		{numRuns: 300},
	);
});

test('base32 matches RFC 4648 test vectors (lower case, no padding)', (t) => {
	const vectors: Array<[string, string]> = [
		['', ''],
		['f', 'my'],
		['fo', 'mzxq'],
		['foo', 'mzxw6'],
		['foob', 'mzxw6yq'],
		['fooba', 'mzxw6ytb'],
		['foobar', 'mzxw6ytboi'],
	];
	for (const [plain, encoded] of vectors) {
		t.is(base32Encode(Buffer.from(plain)), encoded);
		t.is(base32Decode(encoded)?.toString(), plain);
	}

	t.is(base32Decode('mz'), undefined, 'non-zero unused bits: a second spelling');
	t.is(base32Decode('mzx'), undefined, 'a dangling character');
	t.is(base32Decode('m1'), undefined, 'not in the alphabet');
});

test('anything else is BAD_ARGUMENT', (t) => {
	const good = formatLink({id: Buffer.alloc(20, 0xab), key: Buffer.alloc(32, 7)});
	const [id, key] = good.slice('tornet:'.length).split('.');
	const lastKeyChar = key.at(-1)!;
	const bad = [
		'',
		'tornet:',
		id,
		`tornet:${id}`,
		`${id}.${key}`,
		`http://${id}.${key}`,
		`tornet:${id.slice(1)}.${key}`,
		`tornet:${id}0.${key}`,
		`tornet:${id}#${key}`,
		`tornet:${id}.${key.slice(1)}`,
		`tornet:${id}.${key}a`,
		// The last of 52 characters carries 4 unused bits: only 'a' and 'q' are canonical there.
		`tornet:${id}.${key.slice(0, -1)}${lastKeyChar === 'q' ? 'r' : 'b'}`,
		`tornet:${id.replace('a', 'g')}.${key}`,
		`tornet:${id}.${key.replace(/.$/, '1')}`,
		` ${good}`,
		`${good}\n`,
		`${good}/path`,
		good.replace('.', ':'),
	];
	for (const text of bad) {
		const error = t.throws(() => parseLink(text), undefined, JSON.stringify(text));
		t.true(isTornetError(error, 'BAD_ARGUMENT'), JSON.stringify(text));
	}

	t.notThrows(() => parseLink(good));
});

test('formatting refuses ids and keys of the wrong length', (t) => {
	t.true(
		isTornetError(
			t.throws(() => formatLink({id: Buffer.alloc(19), key: Buffer.alloc(32)})),
			'BAD_ARGUMENT',
		),
	);
	t.true(
		isTornetError(
			t.throws(() => formatLink({id: Buffer.alloc(20), key: Buffer.alloc(31)})),
			'BAD_ARGUMENT',
		),
	);
});
