import {memo, useMemo} from 'react';
import {Box} from 'ink';
import type {Line} from './text-line.js';
import type {Tone} from './theme.js';
import {Lines} from './Lines.js';

/** The content area of a pane `width` × `height` cells, with or without its border. */
export function innerSize(width: number, height: number, bordered: boolean) {
	return bordered
		? {width: Math.max(0, width - 2), height: Math.max(0, height - 2)}
		: {width, height};
}

type Props = {
	title: string;
	focused: boolean;
	bordered: boolean;
	width: number;
	height: number;
	/** The content, at most innerSize() lines of at most its width. */
	lines: readonly Line[];
	/**
	 * Content side by side instead (charts): each block its own column, one blank cell apart,
	 * so a short line in the left block costs no padding to reach the right one.
	 */
	blocks?: ReadonlyArray<{width: number; lines: readonly Line[]}>;
};

/**
 * A pane: its content, inside a rounded border whose top edge carries the title when bordered.
 * The side edges are separate one-column blocks so content lines need no padding to reach the
 * right edge: Ink tokenizes every written character every frame, padding included. The focused
 * pane's border is accented and bold so it reads without colour too.
 */
export const Frame = memo(function Frame({
	title,
	focused,
	bordered,
	width,
	height,
	lines,
	blocks,
}: Props) {
	const inner = innerSize(width, height, bordered);
	const edges = useMemo(() => {
		const tone: Tone = focused ? 'accent' : 'muted';
		const label = ` ${title} `.slice(0, Math.max(0, inner.width - 1));
		const top: Line[] = [
			[
				{text: '╭─', tone, bold: focused},
				{text: label, tone: focused ? 'accent' : undefined, bold: focused},
				{text: '─'.repeat(Math.max(0, inner.width - 1 - label.length)) + '╮', tone, bold: focused},
			],
		];
		const side: Line[] = Array.from({length: inner.height}, () => [
			{text: '│', tone, bold: focused},
		]);
		const bottom: Line[] = [[{text: '╰' + '─'.repeat(inner.width) + '╯', tone, bold: focused}]];
		return {top, side, bottom};
	}, [title, focused, inner.width, inner.height]);

	const content = blocks ? (
		<Box flexDirection="row" width={inner.width} height={inner.height} columnGap={1}>
			{blocks.map((block, index) => (
				<Lines key={index} lines={block.lines} width={block.width} height={inner.height} />
			))}
		</Box>
	) : (
		<Lines lines={lines} width={inner.width} height={inner.height} />
	);
	if (!bordered) return content;
	return (
		<Box flexDirection="column" width={width} height={height} flexShrink={0}>
			<Lines lines={edges.top} width={width} height={1} />
			<Box flexDirection="row" height={inner.height}>
				<Lines lines={edges.side} width={1} height={inner.height} />
				{content}
				<Lines lines={edges.side} width={1} height={inner.height} />
			</Box>
			<Lines lines={edges.bottom} width={width} height={1} />
		</Box>
	);
});
