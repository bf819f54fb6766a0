/**
 * Where the panes go for a terminal size. Pure arithmetic so it is tested without a terminal; the
 * frame is always `rows - 1` tall because Ink 6 clears and redraws the whole screen every frame
 * when the output is as tall as the terminal (STACK.md).
 */
export type PaneId = 'peers' | 'charts' | 'chunks' | 'credit' | 'settings';

/** Tab order. */
export const PANE_ORDER: readonly PaneId[] = ['peers', 'charts', 'chunks', 'credit', 'settings'];

export const PANE_TITLES: Record<PaneId, string> = {
	peers: 'Peers',
	charts: 'Charts',
	chunks: 'Chunks',
	credit: 'Credit',
	settings: 'Settings',
};

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
/** From here every pane is on screen at once; below it one pane shows at a time, under tabs. */
export const GRID_MIN_COLUMNS = 140;
export const GRID_MIN_ROWS = 40;

const HEADER_ROWS = 1;
const TAB_BAR_ROWS = 1;
const STATUS_ROWS = 1;
const FOOTER_ROWS = 1;
const MAX_JOB_ROWS_TABS = 2;
const MAX_JOB_ROWS_GRID = 4;
/** Settings show five values; with a border and a title line that is eight rows. */
const SETTINGS_PANE_ROWS = 8;
const SETTINGS_PANE_COLUMNS = 36;

export type PaneBox = {pane: PaneId; width: number; height: number};
export type GridRow = {height: number; panes: PaneBox[]};
export type GridColumn = {width: number; rows: GridRow[]};

export type Layout =
	| {kind: 'too-small'; width: number; height: number}
	| {kind: 'tabs'; width: number; height: number; jobRows: number; body: PaneBox}
	| {kind: 'grid'; width: number; height: number; jobRows: number; columns: GridColumn[]};

export function computeLayout(
	columns: number,
	rows: number,
	focus: PaneId,
	jobCount: number,
): Layout {
	const width = columns;
	const height = Math.max(1, rows - 1);
	if (columns < MIN_COLUMNS || rows < MIN_ROWS) return {kind: 'too-small', width, height};

	if (columns < GRID_MIN_COLUMNS || rows < GRID_MIN_ROWS) {
		const jobRows = Math.min(jobCount, MAX_JOB_ROWS_TABS);
		const bodyHeight = height - HEADER_ROWS - TAB_BAR_ROWS - jobRows - STATUS_ROWS - FOOTER_ROWS;
		return {kind: 'tabs', width, height, jobRows, body: {pane: focus, width, height: bodyHeight}};
	}

	const jobRows = Math.min(jobCount, MAX_JOB_ROWS_GRID);
	const bodyHeight = height - HEADER_ROWS - jobRows - STATUS_ROWS - FOOTER_ROWS;
	const leftWidth = Math.floor(columns / 2);
	const rightWidth = columns - leftWidth;
	const creditHeight = Math.floor(bodyHeight * 0.4);
	const chartsHeight = Math.max(SETTINGS_PANE_ROWS + 4, Math.floor(bodyHeight * 0.55));
	const bottomHeight = bodyHeight - chartsHeight;
	return {
		kind: 'grid',
		width,
		height,
		jobRows,
		columns: [
			{
				width: leftWidth,
				rows: [
					{
						height: bodyHeight - creditHeight,
						panes: [{pane: 'peers', width: leftWidth, height: bodyHeight - creditHeight}],
					},
					{height: creditHeight, panes: [{pane: 'credit', width: leftWidth, height: creditHeight}]},
				],
			},
			{
				width: rightWidth,
				rows: [
					{
						height: chartsHeight,
						panes: [{pane: 'charts', width: rightWidth, height: chartsHeight}],
					},
					{
						height: bottomHeight,
						panes: [
							{pane: 'chunks', width: rightWidth - SETTINGS_PANE_COLUMNS, height: bottomHeight},
							{pane: 'settings', width: SETTINGS_PANE_COLUMNS, height: bottomHeight},
						],
					},
				],
			},
		],
	};
}

export function nextPane(focus: PaneId, step: 1 | -1): PaneId {
	const index = PANE_ORDER.indexOf(focus);
	return PANE_ORDER[(index + step + PANE_ORDER.length) % PANE_ORDER.length];
}
