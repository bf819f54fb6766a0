import {VARINT_MAX, varintLength, writeVarint} from '../../source/util/varint.js';
import type {Random} from './random.js';

/**
 * Structured mutations of valid encodings. A random byte string dies at the first length check;
 * a valid message with one field edited reaches the code behind it. The operators follow AFL's
 * havoc stage, plus edits that speak this codebase's formats: QUIC varints and u8/u16/u32 fields.
 */

/** Values that sit on boundaries: varint length classes, signed/unsigned edges, zero. */
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff];
const INTERESTING_NUMBERS = [
	0,
	1,
	2,
	0x3f,
	0x40,
	0xff,
	0x100,
	0x3fff,
	0x4000,
	0xffff,
	0x1_0000,
	0x3fff_ffff,
	0x4000_0000,
	0xffff_ffff,
	2 ** 32,
	2 ** 40,
	VARINT_MAX,
];

export type MutationContext = {
	random: Random;
	/** Other valid inputs of the same target, for splices. */
	seeds: readonly Uint8Array[];
	/** Tokens of the target's format (magic values, JSON punctuation, link prefixes). */
	dictionary: readonly Uint8Array[];
	maxBytes: number;
};

type Operator = (input: Buffer, context: MutationContext) => Buffer;

function position(input: Buffer, random: Random, extra = 0): number {
	return random.int(input.length + extra);
}

const flipBit: Operator = (input, {random}) => {
	if (input.length === 0) return input;
	const at = position(input, random);
	input[at] ^= 1 << random.int(8);
	return input;
};

const setInterestingByte: Operator = (input, {random}) => {
	if (input.length === 0) return Buffer.from([random.pick(INTERESTING_BYTES)]);
	input[position(input, random)] = random.pick(INTERESTING_BYTES);
	return input;
};

const setRandomByte: Operator = (input, {random}) => {
	if (input.length === 0) return random.bytes(1);
	input[position(input, random)] = random.int(256);
	return input;
};

/** ±1..±16 on one byte: walks a length or count field across its bound. */
const arithmetic: Operator = (input, {random}) => {
	if (input.length === 0) return input;
	const at = position(input, random);
	const delta = random.between(1, 16) * (random.chance(0.5) ? 1 : -1);
	input[at] = (input[at] + delta) & 0xff;
	return input;
};

const truncate: Operator = (input, {random}) => {
	if (input.length === 0) return input;
	// Half the time cut near the end, where a trailing field or tag is lost.
	const keep = random.chance(0.5)
		? Math.max(0, input.length - random.between(1, 8))
		: random.int(input.length);
	return input.subarray(0, keep);
};

const extend: Operator = (input, {random}) => {
	const extra = random.chance(0.3)
		? Buffer.alloc(random.between(1, 32))
		: random.bytes(random.smallLength(64) + 1);
	return Buffer.concat([input, extra]);
};

const insertBytes: Operator = (input, {random}) => {
	const at = position(input, random, 1);
	const bytes = random.chance(0.5)
		? random.bytes(random.between(1, 8))
		: Buffer.alloc(random.between(1, 8), random.pick(INTERESTING_BYTES));
	return Buffer.concat([input.subarray(0, at), bytes, input.subarray(at)]);
};

const deleteRange: Operator = (input, {random}) => {
	if (input.length === 0) return input;
	const at = position(input, random);
	const length = random.between(1, Math.min(16, input.length - at));
	return Buffer.concat([input.subarray(0, at), input.subarray(at + length)]);
};

/** Copies a range of the input elsewhere in it: repeated fields, duplicated list entries. */
const duplicateRange: Operator = (input, {random}) => {
	if (input.length === 0) return input;
	const from = position(input, random);
	const length = random.between(1, Math.min(64, input.length - from));
	const at = position(input, random, 1);
	return Buffer.concat([
		input.subarray(0, at),
		input.subarray(from, from + length),
		input.subarray(at),
	]);
};

/** Repeats a range until the input is large: bounds on lines, counts and totals. */
const inflate: Operator = (input, {random, maxBytes}) => {
	if (input.length === 0) return input;
	const from = position(input, random);
	const piece = input.subarray(from, from + random.between(1, Math.min(64, input.length - from)));
	const target = random.between(input.length, maxBytes);
	const parts = [input.subarray(0, from)];
	let length = from;
	while (length < target - (input.length - from)) {
		parts.push(piece);
		length += piece.length;
	}

	parts.push(input.subarray(from));
	return Buffer.concat(parts);
};

/** The head of this input with the tail of another valid one (or of itself). */
const splice: Operator = (input, {random, seeds}) => {
	const other = seeds.length > 0 ? random.pick(seeds) : input;
	const cut = position(input, random, 1);
	const from = random.int(other.length + 1);
	return Buffer.concat([input.subarray(0, cut), other.subarray(from)]);
};

/** Overwrites (or inserts) a varint with a boundary value, in any of its legal widths. */
const varintEdit: Operator = (input, {random}) => {
	const value = random.chance(0.2)
		? random.int(input.length + 2)
		: random.pick(INTERESTING_NUMBERS);
	const width = Math.max(varintLength(value), random.pick([1, 2, 4, 8]));
	const bytes = Buffer.alloc(8);
	const end = encodeVarintWidth(bytes, value, width);
	const at = position(input, random, 1);
	const encoded = bytes.subarray(0, end);
	if (random.chance(0.5))
		return Buffer.concat([input.subarray(0, at), encoded, input.subarray(at)]);
	return Buffer.concat([input.subarray(0, at), encoded, input.subarray(at + encoded.length)]);
};

/** Overwrites a big-endian u16 or u32 with a boundary value. */
const integerEdit: Operator = (input, {random}) => {
	const width = random.chance(0.5) ? 2 : 4;
	if (input.length < width) return input;
	const at = random.int(input.length - width + 1);
	const value = random.pick(INTERESTING_NUMBERS) % 2 ** (8 * width);
	if (width === 2) input.writeUInt16BE(value, at);
	else input.writeUInt32BE(value, at);
	return input;
};

const dictionaryToken: Operator = (input, context) => {
	const {random, dictionary} = context;
	if (dictionary.length === 0) return setInterestingByte(input, context);
	const token = random.pick(dictionary);
	const at = position(input, random, 1);
	if (random.chance(0.5)) return Buffer.concat([input.subarray(0, at), token, input.subarray(at)]);
	return Buffer.concat([input.subarray(0, at), token, input.subarray(at + token.length)]);
};

/** The whole input becomes one token: `null` as a JSON record, `@` as an address. */
const replaceWithToken: Operator = (input, context) => {
	const {random, dictionary} = context;
	if (dictionary.length === 0) return truncate(input, context);
	const token = Buffer.from(random.pick(dictionary));
	return random.chance(0.5) ? token : Buffer.concat([token, random.bytes(random.between(1, 4))]);
};

const OPERATORS: Array<[Operator, number]> = [
	[flipBit, 10],
	[setInterestingByte, 8],
	[setRandomByte, 6],
	[arithmetic, 6],
	[truncate, 8],
	[extend, 5],
	[insertBytes, 5],
	[deleteRange, 5],
	[duplicateRange, 4],
	[inflate, 1],
	[splice, 4],
	[varintEdit, 8],
	[integerEdit, 4],
	[dictionaryToken, 6],
	[replaceWithToken, 1],
];
const TOTAL_WEIGHT = OPERATORS.reduce((sum, [, weight]) => sum + weight, 0);

function pickOperator(random: Random): Operator {
	let roll = random.next() * TOTAL_WEIGHT;
	for (const [operator, weight] of OPERATORS) {
		roll -= weight;
		if (roll < 0) return operator;
	}

	return flipBit;
}

/** One to four stacked mutations of a copy of `input`, cut to the target's maximum size. */
export function mutate(input: Uint8Array, context: MutationContext): Buffer {
	let out: Buffer = Buffer.from(input);
	const count = context.random.chance(0.6) ? 1 : context.random.between(2, 4);
	for (let i = 0; i < count; i++) out = pickOperator(context.random)(out, context);
	return out.length > context.maxBytes ? out.subarray(0, context.maxBytes) : out;
}

/** A varint of `value` in exactly `width` bytes (wider than needed is legal QUIC). */
export function encodeVarintWidth(out: Uint8Array, value: number, width: number): number {
	if (width === varintLength(value)) return writeVarint(out, 0, value);
	const prefix = {1: 0x00, 2: 0x40, 4: 0x80, 8: 0xc0}[width] ?? 0xc0;
	let rest = value;
	for (let i = width - 1; i >= 0; i--) {
		out[i] = rest % 256;
		rest = Math.floor(rest / 256);
	}

	out[0] = (out[0] & 0x3f) | prefix;
	return width;
}
