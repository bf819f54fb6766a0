import {
	appendFeeTag,
	decodeTabNotice,
	encodeTabNotice,
	FEE_TAG_BYTES,
	type FeeTag,
	splitFeeTag,
} from '../../../source/dht/request-fees.js';
import {check, codecTarget, type TargetSpec} from '../target.js';

/**
 * The fee tag a paid request may end with, and the fee.tab notice. The first input byte is the
 * plain message length the caller expects (each request decoder knows its own), the rest the body.
 */
export const feeTargets: TargetSpec[] = [
	codecTarget<{plain: number; message: Buffer; tag?: FeeTag}>({
		name: 'fee-tag',
		about: 'dht/request-fees splitFeeTag: a request body with or without its 9-byte fee tag',
		seeds: (random) =>
			Array.from({length: 8}, () => {
				const message = random.bytes(random.int(40));
				const tag = {tab: Buffer.from(random.bytes(8)), seq: random.int(64)};
				const body = appendFeeTag(message, random.chance(0.7) ? tag : undefined);
				return Buffer.concat([Buffer.from([message.length]), body]);
			}),
		decode(input) {
			if (input.length === 0) return undefined;
			const plain = input[0];
			const body = Buffer.from(input.subarray(1));
			const split = splitFeeTag(body, plain);
			if (split instanceof Error) return split;
			if (split.tag) {
				check(split.message.length === plain, 'tagged message length');
				check(body.length === plain + FEE_TAG_BYTES, 'tagged body length');
				check(split.tag.seq < 64, 'place bound');
			} else check(split.message.length === body.length, 'untagged body kept whole');
			return {plain, ...split};
		},
		encode: (value) =>
			Buffer.concat([Buffer.from([value.plain]), appendFeeTag(value.message, value.tag)]),
		maxBytes: 64,
	}),
	codecTarget({
		name: 'fee-tab-notice',
		about: 'dht/request-fees decodeTabNotice: the fee.tab notice (kind, tab, segment, count)',
		seeds: (random) =>
			Array.from({length: 4}, () =>
				encodeTabNotice({
					kind: random.chance(0.5) ? 'lookup' : 'request',
					tab: Buffer.from(random.bytes(8)),
					segment: random.int(64),
					count: random.between(1, 64),
				}),
			),
		decode: decodeTabNotice,
		encode: encodeTabNotice,
		maxBytes: 32,
	}),
];
