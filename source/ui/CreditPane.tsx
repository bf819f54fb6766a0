import {memo, useMemo, type Dispatch} from 'react';
import type {Key} from 'ink';
import type {CreditEntry, SettlementState} from '../node/snapshot.js';
import {creditUse, type CreditAction} from './credit-state.js';
import {bar, fit, formatPercent, formatSi, shortHex} from './format.js';
import {pageStart} from './list-selection.js';
import {isSubmit} from './key-input.js';
import {Frame, innerSize} from './Frame.js';
import type {Line} from './text-line.js';
import {usageTone, type Tone} from './theme.js';

type Props = {
	/** In display order (sortCredit). */
	rows: readonly CreditEntry[];
	selectedId: string | null;
	width: number;
	height: number;
	bordered: boolean;
	focused: boolean;
};

const HEADER_ROWS = 2;
/** Cells used by everything but the bar: id, balance, line, percentage, state and spaces. */
const FIXED_CELLS = 8 + 1 + 8 + 1 + 7 + 1 + 1 + 4 + 1 + 8;
const MAX_BAR_WIDTH = 30;

const SETTLEMENT_TONES: Record<SettlementState, Tone> = {
	none: 'muted',
	due: 'warn',
	pending: 'accent',
	settled: 'good',
	failed: 'bad',
};

export const CreditPane = memo(function CreditPane(props: Props) {
	const {rows, selectedId} = props;
	const inner = innerSize(props.width, props.height, props.bordered);
	const pageSize = creditPageSize(inner.height);

	const lines = useMemo(() => {
		let owedToUs = 0;
		let weOwe = 0;
		let due = 0;
		for (const entry of rows) {
			if (entry.balance > 0) owedToUs += entry.balance;
			else weOwe -= entry.balance;
			if (entry.settlement === 'due') due++;
		}

		const barWidth = Math.max(4, Math.min(MAX_BAR_WIDTH, inner.width - FIXED_CELLS));
		const content: Line[] = [
			[
				{text: `owed to us ${formatSi(owedToUs)}`, tone: 'good'},
				{text: '  '},
				{text: `we owe ${formatSi(weOwe)}`, tone: weOwe > 0 ? 'warn' : undefined},
				{text: `  ${due} due  (credits; + means the peer owes us)`, tone: 'muted'},
			],
			[
				{
					text: `PEER      BALANCE    LINE ${fit('USE', barWidth)}    % STATE`,
					bold: true,
				},
			],
		];
		const index = Math.max(
			0,
			rows.findIndex((entry) => entry.peerIdHex === selectedId),
		);
		const start = pageStart(index, pageSize);
		for (const entry of rows.slice(start, start + pageSize)) {
			const selected = entry.peerIdHex === selectedId;
			const inverse = selected && props.focused;
			const bold = selected && !props.focused;
			const use = creditUse(entry);
			const sign = entry.balance > 0 ? '+' : '';
			content.push([
				{text: `${fit(shortHex(entry.peerIdHex), 8)} `, inverse, bold},
				{
					text: `${fit(sign + formatSi(entry.balance), 8, 'right')} `,
					tone: entry.balance < 0 ? 'warn' : undefined,
					inverse,
					bold,
				},
				{text: `${fit(formatSi(entry.creditLine), 7, 'right')} `, inverse, bold},
				{text: bar(use, barWidth), tone: usageTone(use), inverse, bold},
				{text: ` ${fit(formatPercent(use), 4, 'right')} `, inverse, bold},
				{text: fit(entry.settlement, 8), tone: SETTLEMENT_TONES[entry.settlement], inverse, bold},
			]);
		}

		if (rows.length === 0) content.push([{text: 'no balances yet', tone: 'muted'}]);
		return content;
	}, [rows, selectedId, props.focused, inner.width, pageSize]);

	return (
		<Frame
			title="Credit"
			focused={props.focused}
			bordered={props.bordered}
			width={props.width}
			height={props.height}
			lines={lines}
		/>
	);
});

export function creditPageSize(innerHeight: number): number {
	return Math.max(1, innerHeight - HEADER_ROWS);
}

/** Keys of the Credit pane while it has focus. */
export function creditKeys(
	input: string,
	key: Key,
	context: {
		dispatch: Dispatch<CreditAction>;
		ids: readonly string[];
		selectedId: string | null;
		innerHeight: number;
		/** Asks the operator to confirm, then settles; nothing moves from this pane directly. */
		onSettle: (peerIdHex: string) => void;
	},
): void {
	const {dispatch, ids, selectedId} = context;
	const pageSize = creditPageSize(context.innerHeight);
	const move = (delta: number) => {
		dispatch({type: 'move-selection', delta, ids});
	};

	if (key.upArrow || input === 'k') move(-1);
	else if (key.downArrow || input === 'j') move(1);
	else if (key.pageUp) move(-pageSize);
	else if (key.pageDown) move(pageSize);
	else if ((input === 's' || isSubmit(input, key)) && selectedId !== null)
		context.onSettle(selectedId);
}
