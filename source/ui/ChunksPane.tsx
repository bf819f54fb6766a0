import {memo, useMemo, type Dispatch} from 'react';
import type {Key} from 'ink';
import type {ChunkStats, StoreUse} from '../node/snapshot.js';
import {clampOffset, sortChunks, type ChunksAction, type ChunksState} from './chunks-state.js';
import {bar, fit, formatBytes, formatPercent, formatSi, shortHex} from './format.js';
import {Frame, innerSize} from './Frame.js';
import type {Line} from './text-line.js';
import {usageTone} from './theme.js';

type Props = {
	chunks: readonly ChunkStats[];
	store: StoreUse;
	state: ChunksState;
	width: number;
	height: number;
	bordered: boolean;
	focused: boolean;
};

/** Store line, summary line and column titles sit above the rows. */
const HEADER_ROWS = 3;
const MAX_BAR_WIDTH = 30;
/** "store " and " 999GB of 999GB (100%)" around the bar. */
const STORE_LINE_TEXT = 28;

export const ChunksPane = memo(function ChunksPane(props: Props) {
	const {state} = props;
	const inner = innerSize(props.width, props.height, props.bordered);
	const pageSize = chunksPageSize(inner.height);
	const total = props.chunks.length;

	const sorted = useMemo(
		() => sortChunks(props.chunks, state.sortKey),
		[props.chunks, state.sortKey],
	);

	const lines = useMemo(() => {
		const {usedBytes, budgetBytes} = props.store;
		const use = budgetBytes > 0 ? usedBytes / budgetBytes : 0;
		let inRange = 0;
		let cached = 0;
		for (const chunk of sorted) {
			if (chunk.inRange) inRange++;
			if (chunk.cached) cached++;
		}

		const barWidth = Math.max(4, Math.min(MAX_BAR_WIDTH, inner.width - STORE_LINE_TEXT));
		const content: Line[] = [
			[
				{text: 'store '},
				{text: bar(use, barWidth), tone: usageTone(use)},
				{text: ` ${formatBytes(usedBytes)} of ${formatBytes(budgetBytes)} (${formatPercent(use)})`},
			],
			[
				{
					text: `${total} chunks, ${inRange} in range, ${cached} cached; by ${state.sortKey}`,
					tone: 'muted',
				},
			],
			[{text: 'ID       RATE/m DIST RANGE CACHED    SIZE', bold: true}],
		];
		const start = clampOffset(state.offset, total, pageSize);
		for (const chunk of sorted.slice(start, start + pageSize)) {
			content.push([
				{
					text: `${fit(shortHex(chunk.idHex), 8)} ${fit(formatQueryRate(chunk.queryRate), 6, 'right')} ${fit(String(chunk.distanceBits), 4, 'right')} `,
				},
				chunk.inRange ? {text: '  yes ', tone: 'good'} : {text: '   no ', tone: 'muted'},
				chunk.cached ? {text: '   yes ', tone: 'accent'} : {text: '    no ', tone: 'muted'},
				{text: fit(formatBytes(chunk.bytes), 7, 'right')},
			]);
		}

		if (total === 0) content.push([{text: 'no chunks tracked yet', tone: 'muted'}]);
		return content;
	}, [sorted, props.store, inner.width, pageSize, state, total]);

	return (
		<Frame
			title="Chunks"
			focused={props.focused}
			bordered={props.bordered}
			width={props.width}
			height={props.height}
			lines={lines}
		/>
	);
});

/** Decayed rates are often fractional: one decimal below ten, then SI suffixes. */
function formatQueryRate(rate: number): string {
	return rate < 9.95 ? rate.toFixed(1) : formatSi(rate);
}

export function chunksPageSize(innerHeight: number): number {
	return Math.max(1, innerHeight - HEADER_ROWS);
}

/** Keys of the Chunks pane while it has focus. */
export function chunksKeys(
	input: string,
	key: Key,
	context: {dispatch: Dispatch<ChunksAction>; total: number; innerHeight: number},
): void {
	const {dispatch, total} = context;
	const pageSize = chunksPageSize(context.innerHeight);
	const scroll = (delta: number) => {
		dispatch({type: 'scroll', delta, total, pageSize});
	};

	if (key.upArrow || input === 'k') scroll(-1);
	else if (key.downArrow || input === 'j') scroll(1);
	else if (key.pageUp) scroll(-pageSize);
	else if (key.pageDown) scroll(pageSize);
	else if (key.home) dispatch({type: 'scroll-to', position: 'start', total, pageSize});
	else if (key.end) dispatch({type: 'scroll-to', position: 'end', total, pageSize});
	else if (input === 's') dispatch({type: 'cycle-sort'});
}
