import {memo, useCallback, useContext, useMemo} from 'react';
import {Box, Text, Transform} from 'ink';
import {ColorContext} from './theme.js';
import {renderLine, type Line} from './text-line.js';

/**
 * A fixed block of `height` lines, each cut to `width` cells. Ink measures only a blank
 * placeholder of that size (one string per size, so its measure cache stays bounded); the real
 * lines are swapped in per output line by <Transform>.
 */
export const Lines = memo(function Lines({
	lines,
	width,
	height,
}: {
	lines: readonly Line[];
	width: number;
	height: number;
}) {
	const color = useContext(ColorContext);
	const rendered = useMemo(
		() => lines.slice(0, Math.max(0, height)).map((line) => renderLine(line, width, color)),
		[lines, width, height, color],
	);
	const transform = useCallback(
		(_line: string, index: number) => rendered[index] ?? '',
		[rendered],
	);
	if (width <= 0 || height <= 0) return null;
	return (
		// No overflow="hidden": lines are already cut to width, and Ink's clipping re-slices every
		// line's ANSI codes each frame.
		<Box width={width} height={height} flexShrink={0}>
			<Transform transform={transform}>
				<Text>{placeholder(width, height)}</Text>
			</Transform>
		</Box>
	);
});

/** Placeholders by size; a terminal goes through few sizes, the bound is for drag-resizing. */
const MAX_PLACEHOLDERS = 64;
const placeholders = new Map<string, string>();

function placeholder(width: number, height: number): string {
	const key = `${width}x${height}`;
	let text = placeholders.get(key);
	if (text === undefined) {
		if (placeholders.size >= MAX_PLACEHOLDERS) placeholders.clear();
		text = Array.from({length: height}, () => ' '.repeat(width)).join('\n');
		placeholders.set(key, text);
	}

	return text;
}
