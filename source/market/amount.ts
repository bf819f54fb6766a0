import {TornetError} from '../errors.js';
import type {Reader} from '../util/varint.js';

/**
 * Credit amounts are bigints: a balance is a sum over a peer's whole history, and a double loses
 * exactness past 2^53 credits (≈ 56 TB at the top distance factor). On the wire an amount is
 * u8 length ‖ that many big-endian magnitude bytes, minimal (no leading zero byte), at most 16:
 * 2^128 credits is beyond any history; a signed amount is u8 sign (0 or 1) ‖ amount.
 */
export const MAX_AMOUNT_BYTES = 16;
export const MAX_AMOUNT = (1n << 128n) - 1n;

export function amountLength(value: bigint): number {
	let length = 0;
	for (let rest = value < 0n ? -value : value; rest > 0n; rest >>= 8n) length++;
	return 1 + length;
}

export function writeAmount(out: Uint8Array, offset: number, value: bigint): number {
	if (value < 0n || value > MAX_AMOUNT)
		throw TornetError.badArgument(`amount ${value} is outside 0…2^128-1`);
	const length = amountLength(value) - 1;
	out[offset] = length;
	let rest = value;
	for (let i = length; i >= 1; i--) {
		out[offset + i] = Number(rest & 0xffn);
		rest >>= 8n;
	}

	return offset + 1 + length;
}

export function encodeAmount(value: bigint): Buffer {
	const out = Buffer.alloc(amountLength(value));
	writeAmount(out, 0, value);
	return out;
}

/** Total: a bad length or a non-minimal encoding fails the reader and yields 0n. */
export function readAmount(reader: Reader): bigint {
	const length = reader.u8();
	if (reader.failed || length > MAX_AMOUNT_BYTES) {
		reader.failed = true;
		return 0n;
	}

	const bytes = reader.bytesView(length);
	if (reader.failed || (length > 0 && bytes[0] === 0)) {
		reader.failed = true;
		return 0n;
	}

	let value = 0n;
	for (const byte of bytes) value = (value << 8n) | BigInt(byte);
	return value;
}

export function signedLength(value: bigint): number {
	return 1 + amountLength(value);
}

export function writeSigned(out: Uint8Array, offset: number, value: bigint): number {
	out[offset] = value < 0n ? 1 : 0;
	return writeAmount(out, offset + 1, value < 0n ? -value : value);
}

export function readSigned(reader: Reader): bigint {
	const sign = reader.u8();
	const magnitude = readAmount(reader);
	if (sign > 1 || (sign === 1 && magnitude === 0n)) reader.failed = true;
	return sign === 1 ? -magnitude : magnitude;
}

/** Decimal text for storage and JSON (bigint has no JSON form). */
export function amountFromText(text: unknown): bigint | undefined {
	if (typeof text !== 'string' || !/^-?\d{1,40}$/.test(text)) return undefined;
	return BigInt(text);
}

/** `12_345_678` → "12.3 M" for people; exact figures stay in --json output. */
export function formatCredits(value: bigint): string {
	const sign = value < 0n ? '-' : '';
	const magnitude = value < 0n ? -value : value;
	const units: Array<[bigint, string]> = [
		[10n ** 15n, 'P'],
		[10n ** 12n, 'T'],
		[10n ** 9n, 'G'],
		[10n ** 6n, 'M'],
		[10n ** 3n, 'k'],
	];
	for (const [scale, suffix] of units) {
		if (magnitude >= scale) {
			const tenths = (magnitude * 10n) / scale;
			return `${sign}${tenths / 10n}.${tenths % 10n} ${suffix}`;
		}
	}

	return `${sign}${magnitude}`;
}

/** JSON.stringify replacer for `tornet ledger --json`: bigints become decimal strings. */
export function amountReplacer(_key: string, value: unknown): unknown {
	return typeof value === 'bigint' ? value.toString() : value;
}
