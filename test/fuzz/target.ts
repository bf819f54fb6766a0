import {isDeepStrictEqual, inspect} from 'node:util';
import {TornetError} from '../../source/errors.js';
import type {Random} from './random.js';

/**
 * A fuzz target: one decoder (or one entry point that decodes) with its valid encodings. `run`
 * feeds it one input and checks its contract; anything that escapes `run` is a crash: a throw from
 * the decoder, or a FuzzFailure raised by a broken property (round trip, bounds, forgery).
 */
export type FuzzCase = {
	/** Valid encodings to mutate. A target may replace entries as it runs (consumed handshakes). */
	seeds: Uint8Array[];
	/** Tokens worth splicing in: magic bytes, JSON punctuation, prefixes. */
	dictionary?: Uint8Array[];
	/** Mutated inputs are cut to this many bytes. */
	maxBytes?: number;
	run(input: Uint8Array): void | Promise<void>;
	close?(): void | Promise<void>;
};

export type TargetSpec = {
	name: string;
	/** What it feeds and what it checks, for the report and docs/reliability.md. */
	about: string;
	/** Share of a run's inputs relative to a plain decoder (1): handshakes cost ~100× more each. */
	weight?: number;
	create(random: Random): FuzzCase | Promise<FuzzCase>;
};

/** A property of a decoder did not hold (not a throw from the decoder itself). */
export class FuzzFailure extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'FuzzFailure';
	}
}

/** `message` may be a function, so the happy path formats nothing. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
	if (!condition) throw new FuzzFailure(typeof message === 'string' ? message : message());
}

export function show(value: unknown): string {
	return inspect(value, {depth: 4, maxArrayLength: 8, maxStringLength: 80, breakLength: 200});
}

export function sameValue(actual: unknown, expected: unknown, what: string): void {
	if (!isDeepStrictEqual(actual, expected))
		throw new FuzzFailure(`${what}: ${show(actual)} !== ${show(expected)}`);
}

export function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
	if (!Buffer.from(actual).equals(Buffer.from(expected))) {
		throw new FuzzFailure(
			`${what}: ${Buffer.from(actual).toString('hex').slice(0, 120)} !== ${Buffer.from(expected).toString('hex').slice(0, 120)}`,
		);
	}
}

/**
 * For parsers whose documented contract is "throws TornetError" (parseLink, parseAddress): run
 * `fn`, turn a TornetError into undefined and let anything else escape as a crash.
 */
export function tornetOrValue<T>(fn: () => T): T | undefined {
	try {
		return fn();
	} catch (error) {
		if (error instanceof TornetError) return undefined;
		throw error;
	}
}

/** A decoder that returns `T | TornetError | undefined`: the value, or undefined for an error value. */
export function valueOf<T>(result: T | TornetError | undefined): T | undefined {
	return result instanceof TornetError ? undefined : result;
}

/**
 * The round-trip property for a decoder with an encoder. Inputs that decode must re-encode, and
 * re-encoding must be stable: decode(encode(v)) decodes, and encodes to the same bytes again. A
 * lossless codec also gives back the same value (`lossless`); lossy ones (UTF-8 replacement,
 * texts cut at a byte bound, JSON's -0 and Infinity) only have to reach a fixed point.
 */
export function roundTrip<T>(
	value: T,
	encode: (value: T) => Uint8Array,
	decode: (bytes: Uint8Array) => T | TornetError | undefined,
	lossless = true,
): void {
	let first = encode(value);
	let again = valueOf(decode(first));
	check(again !== undefined, () => `re-encoded value does not decode: ${show(value)}`);
	if (lossless) {
		sameValue(again, value, 'decode(encode(v))');
	} else {
		// Text cut at a byte bound mid-character decodes with U+FFFD, which the next cut splits
		// again: two passes reach the fixed point.
		first = encode(again);
		again = valueOf(decode(first));
		check(again !== undefined, () => `normalized value does not decode: ${show(value)}`);
	}

	sameBytes(encode(again), first, 'encode(decode(encode(v)))');
}

/**
 * The common shape: a pure decoder of bytes (or of text), its valid encodings, and optionally
 * its encoder for the round-trip property and an extra check of what it returns.
 */
export function codecTarget<T>(options: {
	name: string;
	about: string;
	weight?: number;
	seeds(random: Random): Uint8Array[];
	decode(input: Uint8Array): T | TornetError | undefined;
	encode?(value: T): Uint8Array;
	lossless?: boolean;
	check?(value: T, input: Uint8Array): void;
	dictionary?: string[];
	maxBytes?: number;
}): TargetSpec {
	return {
		name: options.name,
		about: options.about,
		weight: options.weight,
		create(random) {
			return {
				seeds: options.seeds(random),
				dictionary: options.dictionary?.map((token) => Buffer.from(token)),
				maxBytes: options.maxBytes,
				run(input) {
					const value = valueOf(options.decode(input));
					if (value === undefined) return;
					options.check?.(value, input);
					if (options.encode)
						roundTrip(value, options.encode, options.decode, options.lossless ?? true);
				},
			};
		},
	};
}

/** Text decoders see the mutated bytes as UTF-8 (invalid sequences become U+FFFD, as from a socket). */
export function text(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

export function utf8(value: string): Buffer {
	return Buffer.from(value, 'utf8');
}
