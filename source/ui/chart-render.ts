import asciichart from 'asciichart';
import {fit} from './format.js';
import {compactChartColors} from './text-line.js';

/** Axis labels are right-aligned in this many cells ("1.2MB", "250ms"). */
export const CHART_LABEL_WIDTH = 6;
/** asciichart puts one space and the axis after the label, and leaves a trailing cell. */
const CHART_AXIS_CELLS = 2;

export type ChartColor = 'green' | 'cyan' | 'yellow' | 'magenta';

/** Missing samples repeat the last known one (leading ones read 0); negatives clamp to 0. */
export function fillGaps(values: ReadonlyArray<number | null>): number[] {
	const out: number[] = [];
	let last = 0;
	for (const value of values) {
		if (value !== null && Number.isFinite(value)) last = Math.max(0, value);
		out.push(last);
	}

	return out;
}

/** Averages `values` into `points` buckets so a minute of samples fits a narrow chart. */
export function downsample(values: readonly number[], points: number): number[] {
	if (points <= 0) return [];
	if (values.length <= points) return [...values];
	const out: number[] = [];
	for (let i = 0; i < points; i++) {
		const start = Math.floor((i * values.length) / points);
		const end = Math.floor(((i + 1) * values.length) / points);
		let sum = 0;
		for (let j = start; j < end; j++) sum += values[j];
		out.push(sum / (end - start));
	}

	return out;
}

/** Samples that fit a chart `width` cells wide, labels included. */
export function chartPoints(width: number): number {
	return width - CHART_LABEL_WIDTH - CHART_AXIS_CELLS;
}

export type PlotOptions = {
	width: number;
	/** Rows of plot area; the chart is exactly `height + 1` lines. */
	height: number;
	format: (value: number) => string;
	/** Smallest top of the y axis, so a flat zero line is not scaled to noise. */
	floor: number;
	colors: ChartColor[] | null;
};

/**
 * Plots series (same time axis, oldest first) auto-scaled from 0 to their maximum. Returns
 * exactly `height + 1` lines, none longer than `width`, or [] when there is no room.
 */
export function plotLines(
	series: ReadonlyArray<readonly number[]>,
	options: PlotOptions,
): string[] {
	const points = chartPoints(options.width);
	if (points < 2 || options.height < 1) return [];
	const fitted = series.map((values) => {
		const sampled = downsample(values, points);
		// asciichart needs two samples to draw a line and reads series[0][0] unconditionally.
		return sampled.length >= 2 ? sampled : [sampled[0] ?? 0, sampled[0] ?? 0];
	});
	const text = asciichart.plot(fitted, {
		min: 0,
		max: options.floor,
		height: options.height,
		offset: CHART_AXIS_CELLS + 1,
		format: (value) => fit(options.format(value), CHART_LABEL_WIDTH, 'right'),
		colors: options.colors ? options.colors.map((name) => asciichart[name]) : undefined,
	});
	const lines = text.split('\n').map((line) => compactChartColors(line.trimEnd()));
	const blank = '';
	while (lines.length < options.height + 1) lines.unshift(blank);
	return lines.slice(-(options.height + 1));
}
