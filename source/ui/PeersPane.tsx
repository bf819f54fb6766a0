import {memo, useMemo, type Dispatch} from 'react';
import type {Key} from 'ink';
import type {PeerStats} from '../node/snapshot.js';
import {fit, formatMs, formatRate, shortHex} from './format.js';
import {Frame, innerSize} from './Frame.js';
import type {PeerSortKey, PeersAction, PeersState} from './peers-state.js';
import {pageStart} from './list-selection.js';
import {isErase, isSubmit, splitAtEnter, typedText} from './key-input.js';
import type {Line, Segment} from './text-line.js';
import type {Tone} from './theme.js';

type Props = {
	/** Filtered and sorted (selectVisiblePeers). */
	peers: readonly PeerStats[];
	totalPeers: number;
	state: PeersState;
	selectedId: string | null;
	width: number;
	height: number;
	bordered: boolean;
	focused: boolean;
};

type Column = {
	sortKey: PeerSortKey | null;
	title: string;
	width: number;
	align: 'left' | 'right';
	cell: (peer: PeerStats) => string;
};

const STATE_TONES: Record<PeerStats['state'], Tone> = {
	connected: 'good',
	handshaking: 'warn',
	idle: 'muted',
	closed: 'bad',
};

const FIXED_COLUMNS: readonly Column[] = [
	{sortKey: 'rank', title: 'RANK', width: 4, align: 'right', cell: (peer) => String(peer.rank)},
	{sortKey: 'rtt', title: 'RTT', width: 7, align: 'right', cell: (peer) => formatMs(peer.rttMs)},
	{sortKey: 'up', title: 'UP', width: 8, align: 'right', cell: (peer) => formatRate(peer.upBps)},
	{
		sortKey: 'down',
		title: 'DOWN',
		width: 8,
		align: 'right',
		cell: (peer) => formatRate(peer.downBps),
	},
];
const ID_WIDTH = 8;
const STATE_WIDTH = 11;
/** Below this many cells the address column is dropped rather than cut to noise. */
const MIN_ADDRESS_WIDTH = 12;
const MAX_ADDRESS_WIDTH = 40;

function columnsFor(width: number): Column[] {
	const fixed = ID_WIDTH + STATE_WIDTH + FIXED_COLUMNS.reduce((sum, c) => sum + c.width + 1, 1);
	const addressWidth = Math.min(MAX_ADDRESS_WIDTH, width - fixed - 1);
	const id: Column = {
		sortKey: 'id',
		title: 'ID',
		width: ID_WIDTH,
		align: 'left',
		cell: (peer) => shortHex(peer.idHex),
	};
	const address: Column = {
		sortKey: null,
		title: 'ADDRESS',
		width: addressWidth,
		align: 'left',
		cell: (peer) => peer.address,
	};
	return addressWidth >= MIN_ADDRESS_WIDTH
		? [id, address, ...FIXED_COLUMNS]
		: [id, ...FIXED_COLUMNS];
}

export const PeersPane = memo(function PeersPane(props: Props) {
	const {peers, totalPeers, state, selectedId, focused} = props;
	const inner = innerSize(props.width, props.height, props.bordered);
	const pageSize = peersPageSize(inner.height);

	const lines = useMemo(() => {
		const columns = columnsFor(inner.width);
		const connected = peers.filter((peer) => peer.state === 'connected').length;
		const content: Line[] = [topLine(state, peers.length, totalPeers, connected)];
		content.push([{text: headerText(columns, state), bold: true}]);
		const selectedIndex = peers.findIndex((peer) => peer.idHex === selectedId);
		const start = pageStart(Math.max(0, selectedIndex), pageSize);
		for (const peer of peers.slice(start, start + pageSize)) {
			const selected = peer.idHex === selectedId;
			content.push(rowSegments(peer, columns, selected && focused, selected && !focused));
		}

		if (peers.length === 0)
			content.push([
				{text: totalPeers === 0 ? 'no peers yet' : 'no peer matches the filter', tone: 'muted'},
			]);
		return content;
	}, [peers, totalPeers, state, selectedId, focused, inner.width, pageSize]);

	return (
		<Frame
			title="Peers"
			focused={props.focused}
			bordered={props.bordered}
			width={props.width}
			height={props.height}
			lines={lines}
		/>
	);
});

/** Rows of peers that fit under the summary and the column titles. */
export function peersPageSize(innerHeight: number): number {
	return Math.max(1, innerHeight - 2);
}

/** Keys of the Peers pane while it has focus (and while its filter is being typed). */
export function peersKeys(
	input: string,
	key: Key,
	context: {
		state: PeersState;
		dispatch: Dispatch<PeersAction>;
		/** The visible peers' ids in display order. */
		ids: readonly string[];
		innerHeight: number;
	},
): void {
	const {state, dispatch, ids} = context;
	if (state.editingFilter) {
		const burst = splitAtEnter(input);
		if (isSubmit(input, key)) dispatch({type: 'commit-filter'});
		else if (burst.enter && !key.ctrl && !key.meta) {
			dispatch({type: 'type-filter', text: typedText(burst.text, key)});
			dispatch({type: 'commit-filter'});
		} else if (key.escape) dispatch({type: 'clear-filter'});
		else if (isErase(key)) dispatch({type: 'delete-filter-char'});
		else {
			const text = typedText(input, key);
			if (text !== '') dispatch({type: 'type-filter', text});
		}

		return;
	}

	const pageSize = peersPageSize(context.innerHeight);
	const move = (delta: number) => {
		dispatch({type: 'move-selection', delta, ids});
	};

	if (key.upArrow || input === 'k') move(-1);
	else if (key.downArrow || input === 'j') move(1);
	else if (key.pageUp) move(-pageSize);
	else if (key.pageDown) move(pageSize);
	else if (key.home) move(-ids.length);
	else if (key.end) move(ids.length);
	else if (input.startsWith('/')) {
		dispatch({type: 'start-filter'});
		// A fast "/abc" can arrive as one input: the rest is typed into the filter.
		if (input.length > 1)
			peersKeys(input.slice(1), key, {...context, state: {...state, editingFilter: true}});
	} else if (input === 's') dispatch({type: 'cycle-sort'});
	else if (input === 'r') dispatch({type: 'reverse-sort'});
	else if (key.escape) dispatch({type: 'clear-filter'});
}

function topLine(state: PeersState, shown: number, total: number, connected: number): Line {
	if (state.editingFilter)
		return [
			{text: '/', tone: 'accent', bold: true},
			{text: state.filter},
			{text: '█', tone: 'accent'},
			{text: `  ${shown} of ${total}  Enter keeps, Esc clears`, tone: 'muted'},
		];
	const arrow = state.descending ? '▼' : '▲';
	const sort = {text: `  sorted by ${state.sortKey} ${arrow}`, tone: 'muted'} as const;
	if (state.filter !== '')
		return [{text: `filter "${state.filter}": ${shown} of ${total}`, tone: 'warn'}, sort];
	return [{text: `${total} peers, ${connected} connected`}, sort];
}

function headerText(columns: readonly Column[], state: PeersState): string {
	const arrow = state.descending ? '▼' : '▲';
	const cells = columns.map((column) => {
		const title = column.sortKey === state.sortKey ? `${column.title}${arrow}` : column.title;
		return fit(title, column.width, column.align);
	});
	const stateTitle = state.sortKey === 'state' ? `STATE${arrow}` : 'STATE';
	return `${cells.join(' ')} ${stateTitle}`;
}

function rowSegments(
	peer: PeerStats,
	columns: readonly Column[],
	inverse: boolean,
	bold: boolean,
): Segment[] {
	const cells = columns.map((column) => fit(column.cell(peer), column.width, column.align));
	return [
		{text: `${cells.join(' ')} `, inverse, bold},
		{text: fit(peer.state, STATE_WIDTH), tone: STATE_TONES[peer.state], inverse, bold},
	];
}
