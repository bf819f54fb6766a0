import {memo, useContext, useMemo, type Dispatch} from 'react';
import type {NodeSeries} from '../node/snapshot.js';
import type {ChartScope, ChartsAction, ChartsState} from './charts-state.js';
import {fillGaps, plotLines, type ChartColor} from './chart-render.js';
import {formatMs, formatRate, formatSi, shortHex} from './format.js';
import {Frame, innerSize} from './Frame.js';
import type {PeerSeries} from './peer-history.js';
import type {Line, Segment} from './text-line.js';
import {ColorContext} from './theme.js';

type Props = {
	series: NodeSeries;
	/** History the console kept for the selected peer; null when no peer is selected. */
	peerSeries: PeerSeries | null;
	peerId: string | null;
	state: ChartsState;
	width: number;
	height: number;
	bordered: boolean;
	focused: boolean;
};

/** Narrower charts than this show too few points to read a trend. */
const MIN_CHART_WIDTH = 30;
/** Rows of plot area below which a chart is a smear. */
const MIN_PLOT_ROWS = 3;
/** Smallest y-axis tops: an idle link's noise should not fill the chart. */
const RTT_FLOOR_MS = 10;
const RATE_FLOOR_BPS = 1000;

type Group = {scope: ChartScope; title: string; series: SeriesSet | null};
type SeriesSet = {
	rttMs: ReadonlyArray<number | null>;
	upBps: readonly number[];
	downBps: readonly number[];
};

export const ChartsPane = memo(function ChartsPane(props: Props) {
	const {state} = props;
	const color = useContext(ColorContext);
	const inner = innerSize(props.width, props.height, props.bordered);

	const blocks = useMemo(() => {
		const columns = inner.width >= 2 * MIN_CHART_WIDTH + 1 ? 2 : 1;
		// A group is RTT and throughput for one scope: side by side, or stacked in one column.
		const groupMinimum = columns === 2 ? MIN_PLOT_ROWS + 2 : 2 * (MIN_PLOT_ROWS + 2);
		const showBoth = inner.height >= 2 * groupMinimum;
		const node: Group = {scope: 'node', title: 'node', series: props.series};
		const peer: Group = {
			scope: 'peer',
			title: props.peerId ? `peer ${shortHex(props.peerId)}` : 'peer',
			series: props.peerSeries,
		};
		const groups = showBoth ? [node, peer] : [state.scope === 'node' ? node : peer];
		const groupHeight = Math.floor(inner.height / groups.length);
		const chartWidth = columns === 2 ? Math.floor((inner.width - 1) / 2) : inner.width;
		const left: Line[] = [];
		const right: Line[] = [];
		for (const group of groups) {
			const charts = groupCharts(group, columns, chartWidth, groupHeight, color, showBoth);
			// One column: RTT above throughput. Two: RTT left, throughput right.
			const leftBlock = columns === 2 ? charts.rtt : [...charts.rtt, ...charts.rate];
			for (let row = 0; row < groupHeight; row++) {
				left.push(leftBlock[row] ?? '');
				right.push(charts.rate[row] ?? '');
			}
		}

		return columns === 2
			? [
					{width: chartWidth, lines: left},
					{width: chartWidth, lines: right},
				]
			: [{width: chartWidth, lines: left}];
	}, [props.series, props.peerSeries, props.peerId, inner.width, inner.height, state.scope, color]);

	return (
		<Frame
			title="Charts"
			focused={props.focused}
			bordered={props.bordered}
			width={props.width}
			height={props.height}
			lines={EMPTY}
			blocks={blocks}
		/>
	);
});

const EMPTY: Line[] = [];

/** Keys of the Charts pane while it has focus. */
export function chartsKeys(input: string, dispatch: Dispatch<ChartsAction>): void {
	if (input === 'v') dispatch({type: 'toggle-scope'});
}

function groupCharts(
	group: Group,
	columns: 1 | 2,
	chartWidth: number,
	height: number,
	color: boolean,
	showBoth: boolean,
): {rtt: Line[]; rate: Line[]} {
	const hint: Segment = {
		text: showBoth ? '' : `  v: ${group.scope === 'node' ? 'peer' : 'node'}`,
		tone: 'muted',
	};
	if (group.series === null)
		return {
			rtt: [
				[
					{
						text:
							group.title === 'peer'
								? 'peer: select one in Peers to chart it'
								: `${group.title}: no samples yet`,
						tone: 'muted',
					},
					hint,
				],
			],
			rate: [],
		};
	const {rttMs, upBps, downBps} = group.series;
	const rtt = fillGaps(rttMs);
	const lastRtt = [...rttMs].reverse().find((value) => value !== null) ?? null;
	const rttTitle: Line = [
		{text: `${group.title} RTT `, bold: true},
		{text: `${formatMs(lastRtt)}  last ${rttMs.length}s`, tone: 'muted'},
		hint,
	];
	const rateTitle: Line = [
		{text: `${group.title} throughput `, bold: true},
		{text: `↑${formatRate(upBps.at(-1) ?? 0)}`, tone: 'up'},
		{text: ' '},
		{text: `↓${formatRate(downBps.at(-1) ?? 0)}`, tone: 'down'},
	];
	const plotRows = columns === 2 ? height - 2 : Math.floor(height / 2) - 2;
	const rttLines = plotLines([rtt], {
		width: chartWidth,
		height: plotRows,
		format: formatMs,
		floor: RTT_FLOOR_MS,
		colors: color ? ['yellow'] : null,
	});
	const rateColors: ChartColor[] = ['green', 'cyan'];
	const rateLines = plotLines([upBps, downBps], {
		width: chartWidth,
		height: plotRows,
		format: (value) => `${formatSi(value)}B`,
		floor: RATE_FLOOR_BPS,
		colors: color ? rateColors : null,
	});
	return {
		rtt: [rttTitle, ...rttLines.map((text): Line => [{text, ansi: true}])],
		rate: [rateTitle, ...rateLines.map((text): Line => [{text, ansi: true}])],
	};
}
