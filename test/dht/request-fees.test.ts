import test from 'ava';
import fc from 'fast-check';
import {
	appendFeeTag,
	decodeTabNotice,
	encodeTabNotice,
	FEE_TAG_BYTES,
	type FeeKind,
	segmentEventId,
	splitFeeTag,
} from '../../source/dht/request-fees.js';
import {isTornetError} from '../../source/errors.js';
import {EVENT_ID_PATTERN} from '../../source/market/ledger-records.js';

const tab = fc.uint8Array({minLength: 8, maxLength: 8}).map((bytes) => Buffer.from(bytes));
const kind = fc.constantFrom<FeeKind>('lookup', 'request');

test('a fee tag rides after the request and splits off again; an untagged request is left alone', (t) => {
	fc.assert(
		fc.property(
			fc.uint8Array({maxLength: 40}),
			tab,
			fc.integer({min: 0, max: 63}),
			(message, id, seq) => {
				const tagged = Buffer.from(appendFeeTag(message, {tab: id, seq}));
				t.is(tagged.length, message.length + FEE_TAG_BYTES);
				const split = splitFeeTag(tagged, message.length);
				if (isTornetError(split)) return false;
				const plain = splitFeeTag(Buffer.from(message), message.length);
				return (
					split.message.equals(message) &&
					split.tag!.tab.equals(id) &&
					split.tag!.seq === seq &&
					!isTornetError(plain) &&
					plain.tag === undefined
				);
			},
		),
	);
	t.throws(() => appendFeeTag(Buffer.alloc(21), {tab: Buffer.alloc(8), seq: 64}));
	t.throws(() => appendFeeTag(Buffer.alloc(21), {tab: Buffer.alloc(7), seq: 0}));
});

test('splitting is total: any bytes give a message, a tag or BAD_MESSAGE, never a throw', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 64}), fc.integer({min: 0, max: 40}), (bytes, plain) => {
			const split = splitFeeTag(Buffer.from(bytes), plain);
			if (isTornetError(split)) return split.code === 'BAD_MESSAGE' && bytes[plain + 8] >= 64;
			return split.tag === undefined ? split.message.length === bytes.length : true;
		}),
	);
	const bad = Buffer.concat([Buffer.alloc(21), Buffer.alloc(8), Buffer.from([64])]);
	t.is((splitFeeTag(bad, 21) as {code?: string}).code, 'BAD_MESSAGE');
});

test('fee.tab notices round-trip, and the decoder is total', (t) => {
	fc.assert(
		fc.property(
			kind,
			tab,
			fc.integer({min: 0, max: 63}),
			fc.integer({min: 1, max: 64}),
			(k, id, segment, count) => {
				const decoded = decodeTabNotice(encodeTabNotice({kind: k, tab: id, segment, count}));
				return (
					decoded?.kind === k &&
					decoded.tab.equals(id) &&
					decoded.segment === segment &&
					decoded.count === count
				);
			},
		),
	);
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 16}), (bytes) => {
			const decoded = decodeTabNotice(bytes);
			return decoded === undefined || (decoded.count >= 1 && decoded.count <= 64);
		}),
	);
	t.is(decodeTabNotice(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])), undefined, 'unknown kind');
	t.is(decodeTabNotice(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'empty segment');
	t.throws(() => encodeTabNotice({kind: 'lookup', tab: Buffer.alloc(8), segment: 0, count: 65}));
});

test('segment event ids are valid ledger ids, distinct per kind, tab and segment', (t) => {
	const id = Buffer.from('0011223344556677', 'hex');
	t.is(segmentEventId('lookup', id, 0), 'lookup-0011223344556677');
	t.is(segmentEventId('request', id, 12), 'request-0011223344556677.12');
	fc.assert(
		fc.property(kind, tab, fc.integer({min: 0, max: 63}), (k, tabId, segment) =>
			EVENT_ID_PATTERN.test(segmentEventId(k, tabId, segment)),
		),
	);
});
