import {sliceToWidth, textWidth} from './text-width.js';

/** Short human renderings of numbers for narrow table columns. */

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** 1234 → "1.2k", 999 → "999", 12_345_678 → "12M": at most 4 characters plus the sign. */
export function formatSi(value: number): string {
	if (!Number.isFinite(value)) return '-';
	const sign = value < 0 ? '-' : '';
	let magnitude = Math.abs(value);
	let unit = 0;
	while (magnitude >= 999.5 && unit < SI.length - 1) {
		magnitude /= 1000;
		unit++;
	}
	const digits =
		unit > 0 && magnitude < 9.95 ? magnitude.toFixed(1) : Math.round(magnitude).toString();
	return `${sign}${digits}${SI[unit]}`;
}

export function formatBytes(bytes: number): string {
	return `${formatSi(bytes)}B`;
}

export function formatRate(bytesPerSecond: number): string {
	return `${formatSi(bytesPerSecond)}B/s`;
}

export function formatMs(ms: number | null): string {
	if (ms === null || !Number.isFinite(ms)) return '-';
	// Chart axis labels are computed and land a hair off zero (-1e-14 printed as "-0.0ms").
	if (Math.abs(ms) < 0.05) return '0ms';
	if (ms < 10) return `${ms.toFixed(1)}ms`;
	if (ms < 10_000) return `${Math.round(ms)}ms`;
	return `${(ms / 1000).toFixed(0)}s`;
}

/** 59 → "59s", 3725 → "1h02m", 200000 → "2d07h". */
export function formatDuration(seconds: number | null): string {
	if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '-';
	const s = Math.floor(seconds);
	if (s < 60) return `${s}s`;
	if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
	if (s < 86_400) return `${Math.floor(s / 3600)}h${pad2(Math.floor((s % 3600) / 60))}m`;
	return `${Math.floor(s / 86_400)}d${pad2(Math.floor((s % 86_400) / 3600))}h`;
}

export function formatPercent(fraction: number): string {
	if (!Number.isFinite(fraction)) return '-';
	return `${Math.round(fraction * 100)}%`;
}

export function shortHex(hex: string, length = 8): string {
	return hex.slice(0, length);
}

/** A bar of `width` cells, `fraction` of them filled (clamped to 0..1). */
export function bar(fraction: number, width: number): string {
	if (width <= 0) return '';
	const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
	const filled = Math.round(clamped * width);
	return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Pads or cuts `text` to exactly `width` cells. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	const cells = textWidth(text);
	if (cells > width) {
		const cut = sliceToWidth(text, width - 1);
		return width === 1 ? sliceToWidth(text, 1) : cut + '…'.padEnd(width - textWidth(cut));
	}

	const padding = ' '.repeat(width - cells);
	return align === 'left' ? text + padding : padding + text;
}

function pad2(value: number): string {
	return value.toString().padStart(2, '0');
}
