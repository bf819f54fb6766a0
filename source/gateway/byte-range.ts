/**
 * The Range header (RFC 9110 §14), reduced to what the gateway serves: one byte range.
 *
 * - absent, another unit, bad syntax: the header is ignored and the whole file is sent (a server
 *   may always ignore Range; a 400 would break clients that send something odd but harmless);
 * - one satisfiable range `a-b`, `a-`, `-n`: that range (206), the end clamped to the file;
 * - several ranges with at least one satisfiable: the whole file (200) rather than a
 *   multipart/byteranges body, which browsers and media players never need;
 * - nothing satisfiable: 416, with a Content-Range that names only the size;
 * - an empty file: the header is ignored (no byte range of it can be named in a Content-Range).
 *
 * Total: any string gives a value, never a throw.
 */
export type RangeRequest =
	| {kind: 'whole'; why: 'absent' | 'ignored' | 'multiple'}
	| {kind: 'partial'; start: number; end: number} // end exclusive
	| {kind: 'unsatisfiable'};

/** Longer headers are ignored: no client needs them, and they would only cost parsing time. */
export const MAX_RANGE_HEADER = 1024;
/** Ranges in one header before it is ignored (a request for thousands of ranges is an attack). */
export const MAX_RANGES = 16;

const SPEC = /^(\d*)-(\d*)$/;
const DIGITS = 16; // above Number.MAX_SAFE_INTEGER's 16 digits only "beyond any file" matters

type Spec = {start: number; end: number} | 'unsatisfiable' | undefined;

function toNumber(digits: string): number {
	// Leading zeros are legal; a value too long to be exact is larger than any file.
	const trimmed = digits.replace(/^0+(?=\d)/, '');
	return trimmed.length > DIGITS ? Number.POSITIVE_INFINITY : Number(trimmed);
}

/** One range-spec against a file of `size` bytes (size > 0); undefined when malformed. */
function parseSpec(text: string, size: number): Spec {
	const match = SPEC.exec(text);
	if (!match) return undefined;
	const [, first, last] = match;
	if (first === '') {
		if (last === '') return undefined; // "-" alone
		const suffix = toNumber(last);
		if (suffix === 0) return 'unsatisfiable';
		return {start: Math.max(0, size - suffix), end: size};
	}

	const start = toNumber(first);
	const end = last === '' ? Number.POSITIVE_INFINITY : toNumber(last);
	if (end < start) return undefined; // RFC 9110: last-pos < first-pos is invalid, not empty
	if (start >= size) return 'unsatisfiable';
	return {start, end: Math.min(end + 1, size)};
}

export function parseRange(header: string | undefined, size: number): RangeRequest {
	if (header === undefined || header === '') return {kind: 'whole', why: 'absent'};
	if (typeof header !== 'string' || header.length > MAX_RANGE_HEADER || size <= 0)
		return {kind: 'whole', why: 'ignored'};
	const equals = header.indexOf('=');
	if (equals === -1 || header.slice(0, equals).trim().toLowerCase() !== 'bytes')
		return {kind: 'whole', why: 'ignored'};
	// A list may hold empty elements, which RFC 9110 §5.6.1 tells recipients to skip.
	const texts = header
		.slice(equals + 1)
		.split(',')
		.map((text) => text.trim())
		.filter((text) => text !== '');
	if (texts.length === 0 || texts.length > MAX_RANGES) return {kind: 'whole', why: 'ignored'};
	const satisfiable: Array<{start: number; end: number}> = [];
	for (const text of texts) {
		const spec = parseSpec(text, size);
		if (spec === undefined) return {kind: 'whole', why: 'ignored'};
		if (spec !== 'unsatisfiable') satisfiable.push(spec);
	}

	if (satisfiable.length === 0) return {kind: 'unsatisfiable'};
	if (texts.length > 1) return {kind: 'whole', why: 'multiple'};
	return {kind: 'partial', ...satisfiable[0]};
}

/** The Content-Range header of a 206 (end exclusive) or, without a range, of a 416. */
export function contentRange(size: number, range?: {start: number; end: number}): string {
	return range ? `bytes ${range.start}-${range.end - 1}/${size}` : `bytes */${size}`;
}
