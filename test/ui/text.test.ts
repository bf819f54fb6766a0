import test from 'ava';
import {chartPoints, downsample, fillGaps, plotLines} from '../../source/ui/chart-render.js';
import {bar, fit, formatDuration, formatMs, formatRate, formatSi} from '../../source/ui/format.js';
import {
	clipLine,
	compactChartColors,
	lineWidth,
	renderLine,
	stripAnsi,
} from '../../source/ui/text-line.js';
import {colorFromEnvironment, usageTone} from '../../source/ui/theme.js';
import {printable, sliceToWidth, textWidth} from '../../source/ui/text-width.js';

test('formatSi keeps numbers to four characters', (t) => {
	t.is(formatSi(0), '0');
	t.is(formatSi(999), '999');
	t.is(formatSi(1234), '1.2k');
	t.is(formatSi(12_345_678), '12M');
	t.is(formatSi(-4_000_000_000), '-4.0G');
	t.is(formatSi(Number.NaN), '-');
	t.is(formatRate(2_500_000), '2.5MB/s');
});

test('formatMs and formatDuration', (t) => {
	t.is(formatMs(null), '-');
	t.is(formatMs(0), '0ms');
	t.is(formatMs(-1e-14), '0ms', 'a chart label a rounding error below zero');
	t.is(formatMs(3.25), '3.3ms');
	t.is(formatMs(250.4), '250ms');
	t.is(formatMs(12_500), '13s');
	t.is(formatDuration(59), '59s');
	t.is(formatDuration(3725), '1h02m');
	t.is(formatDuration(200_000), '2d07h');
	t.is(formatDuration(null), '-');
});

test('fit pads or cuts to the width; bar fills in proportion', (t) => {
	t.is(fit('abc', 5), 'abc  ');
	t.is(fit('abc', 5, 'right'), '  abc');
	t.is(fit('abcdef', 4), 'abc…');
	t.is(fit('abc', 0), '');
	t.is(bar(0.5, 4), '██░░');
	t.is(bar(7, 3), '███');
	t.is(bar(Number.NaN, 2), '░░');
});

test('lines are cut to the width, counting colour codes as nothing', (t) => {
	const line = [{text: 'hello '}, {text: '\u001B[32mworld\u001B[0m', ansi: true}];
	t.is(lineWidth(line), 11);
	t.is(stripAnsi(renderLine(line, 8, true)), 'hello w…');
	t.deepEqual(
		clipLine('abcdef', 3).map((segment) => segment.text),
		['ab…'],
	);
	t.is(renderLine([{text: 'x', tone: 'bad'}], 10, false), 'x');
	t.is(renderLine([{text: 'x', tone: 'bad'}], 10, true), '\u001B[31mx\u001B[0m');
	t.is(renderLine([{text: 'x', inverse: true}], 10, false), '\u001B[7mx\u001B[0m');
});

test('adjacent segments of one style share one escape sequence; trailing blanks go', (t) => {
	const rendered = renderLine(
		[{text: 'a', tone: 'good'}, {text: 'b', tone: 'good'}, {text: 'c'}, {text: '   ', tone: 'bad'}],
		20,
		true,
	);
	t.is(rendered, '\u001B[32mab\u001B[0mc');
	t.is(renderLine([{text: 'sel  ', inverse: true}], 20, false), '\u001B[7msel  \u001B[0m');
});

test('compactChartColors merges runs of one colour and keeps the text', (t) => {
	const green = (char: string) => `\u001B[32m${char}\u001B[0m`;
	const line = ` 12ms ┤${green('─')}${green('─')} ${green('╮')}\u001B[36m╯\u001B[0m`;
	const compact = compactChartColors(line);
	t.is(stripAnsi(compact), stripAnsi(line));
	t.is(compact, ' 12ms ┤\u001B[32m── ╮\u001B[0m\u001B[36m╯\u001B[0m');
});

test('charts: gaps repeat the last sample; a minute squeezes into the width', (t) => {
	t.deepEqual(fillGaps([null, 5, null, -3, 7]), [0, 5, 5, 0, 7]);
	t.deepEqual(downsample([1, 2, 3, 4, 5, 6], 3), [1.5, 3.5, 5.5]);
	t.deepEqual(downsample([1, 2], 5), [1, 2]);
	const width = 40;
	const lines = plotLines([Array.from({length: 60}, (_, i) => i * 10)], {
		width,
		height: 6,
		format: (value) => String(Math.round(value)),
		floor: 1,
		colors: null,
	});
	t.is(lines.length, 7);
	t.true(lines.every((line) => line.length <= width));
	// The top of the axis is the largest plotted value: the last bucket averages 580 and 590.
	t.regex(lines[0], /^ {3}585 ┼/);
	t.is(chartPoints(width), 32);
	const flat = plotLines([[0, 0, 0]], {width, height: 3, format: String, floor: 10, colors: null});
	t.is(flat.length, 4);
	t.deepEqual(
		plotLines([[]], {width, height: 3, format: String, floor: 1, colors: null}).length,
		4,
	);
	t.deepEqual(
		plotLines([[1, 2]], {width: 5, height: 3, format: String, floor: 1, colors: null}),
		[],
	);
});

test('usage tones and NO_COLOR', (t) => {
	t.is(usageTone(0.2), 'good');
	t.is(usageTone(0.6), 'warn');
	t.is(usageTone(0.9), 'bad');
	t.true(colorFromEnvironment({}));
	t.true(colorFromEnvironment({NO_COLOR: ''}));
	t.false(colorFromEnvironment({NO_COLOR: '1'}));
});

test('text from outside cannot reach the terminal as a command or overflow the frame', (t) => {
	t.is(printable('evil\u001B[2Jname\u0007'), 'evil?[2Jname?');
	t.is(renderLine([{text: 'peer said \u001B]0;title\u0007'}], 40, true), 'peer said ?]0;title?');
	t.is(textWidth('日本語'), 6);
	t.is(textWidth('e\u0301'), 1);
	t.is(sliceToWidth('日本語', 5), '日本');
	t.is(fit('日本語.txt', 6), '日本… ');
	const wide = [{text: '/data/日本語のファイル.bin'}];
	// A wide character that would straddle the edge is left out rather than cut in half.
	t.is(lineWidth(clipLine(wide, 12)), 11);
	t.is(lineWidth(clipLine(wide, 13)), 13);
});
