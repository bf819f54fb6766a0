import {printable, sliceToWidth, textWidth} from './text-width.js';
import type {Tone} from './theme.js';

/**
 * Screen lines as styled segments, turned into ANSI strings here rather than by Ink's <Text>:
 * Ink 6.8 caches the size of every distinct string it measures in a Map it never clears, so a
 * dashboard whose numbers change every second would grow without bound (measured: ~100 bytes
 * per changed line per frame). Lines.tsx shows these strings through a fixed-size placeholder.
 */
export type Segment = {
	text: string;
	tone?: Tone;
	bold?: boolean;
	dim?: boolean;
	inverse?: boolean;
	/** `text` already holds SGR colour codes (asciichart output); they do not count as width. */
	ansi?: boolean;
};

export type Line = string | readonly Segment[];

const SGR_PATTERN = /\u001B\[[\d;]*m/g;

const TONE_CODES: Record<Tone, number> = {
	accent: 36,
	good: 32,
	warn: 33,
	bad: 31,
	muted: 90,
	up: 32,
	down: 36,
};

export function stripAnsi(text: string): string {
	return text.replaceAll(SGR_PATTERN, '');
}

function segmentsOf(line: Line): readonly Segment[] {
	return typeof line === 'string' ? [{text: line}] : line;
}

function visibleLength(segment: Segment): number {
	return textWidth(segment.ansi ? stripAnsi(segment.text) : segment.text);
}

export function lineWidth(line: Line): number {
	let width = 0;
	for (const segment of segmentsOf(line)) width += visibleLength(segment);
	return width;
}

/** The line cut to `width` cells (the last visible cell becomes … when something was cut). */
export function clipLine(line: Line, width: number): Segment[] {
	const out: Segment[] = [];
	let room = width;
	const segments = segmentsOf(line);
	const total = lineWidth(line);
	if (total <= width) return [...segments];
	for (const segment of segments) {
		if (room <= 0) break;
		const text = segment.ansi ? stripAnsi(segment.text) : segment.text;
		const width = textWidth(text);
		if (width < room) {
			out.push(segment);
			room -= width;
		} else {
			out.push({...segment, ansi: false, text: sliceToWidth(text, room - 1) + '…'});
			room = 0;
		}
	}

	return out;
}

/** Clips and pads with spaces to exactly `width` cells, the padding styled like the last segment. */
export function padLine(line: Line, width: number): Segment[] {
	const clipped = clipLine(line, width);
	const missing = width - lineWidth(clipped);
	if (missing <= 0) return clipped;
	const last = clipped.at(-1);
	const padding: Segment = {text: ' '.repeat(missing), inverse: last?.inverse};
	return [...clipped, padding];
}

/** The ANSI string for a line at most `width` cells wide; colour codes only when `color`. */
export function renderLine(line: Line, width: number, color: boolean): string {
	let out = '';
	// Adjacent segments with the same style share one escape sequence: Ink re-tokenizes every
	// line every frame, and each escape costs about as much as a dozen plain characters.
	let openCodes = '';
	let run = '';
	const flush = () => {
		out += openCodes === '' ? run : `\u001B[${openCodes}m${run}\u001B[0m`;
		run = '';
	};

	const segments = clipLine(line, width);
	// Trailing blanks show nothing unless inverse, and Ink pays for every written cell.
	while (segments.length > 0) {
		const last = segments.at(-1)!;
		if (last.inverse || last.ansi) break;
		const trimmed = last.text.trimEnd();
		if (trimmed !== '') {
			segments[segments.length - 1] = {...last, text: trimmed};
			break;
		}

		segments.pop();
	}

	for (const segment of segments) {
		if (segment.ansi) {
			flush();
			openCodes = '';
			out += color ? segment.text : stripAnsi(segment.text);
			continue;
		}

		const codes: number[] = [];
		if (segment.bold) codes.push(1);
		if (segment.dim) codes.push(2);
		if (segment.inverse) codes.push(7);
		if (color && segment.tone) codes.push(TONE_CODES[segment.tone]);
		const key = codes.join(';');
		if (key !== openCodes) {
			flush();
			openCodes = key;
		}

		run += printable(segment.text);
	}

	flush();
	return out;
}

const CHART_CELL = /\u001B\[(\d+)m([^\u001B])\u001B\[0m|([^\u001B])/gu;

/**
 * asciichart colours every plotted character on its own (colour, character, reset); this merges
 * runs of one colour into one escape sequence, which makes a chart line several times cheaper
 * for Ink to render. Spaces keep the current colour (they show none).
 */
export function compactChartColors(line: string): string {
	let out = '';
	let current: string | null = null;
	for (const match of line.matchAll(CHART_CELL)) {
		const code = match[1] ?? null;
		const char = match[2] ?? match[3];
		if (char === ' ' && code === null) {
			out += char;
			continue;
		}

		if (code !== current) {
			if (current !== null) out += '\u001B[0m';
			if (code !== null) out += `\u001B[${code}m`;
			current = code;
		}

		out += char;
	}

	if (current !== null) out += '\u001B[0m';
	return out;
}
