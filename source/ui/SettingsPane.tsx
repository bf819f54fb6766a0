import {memo, useMemo, type Dispatch} from 'react';
import type {Key} from 'ink';
import type {Settings} from '../node/snapshot.js';
import {
	adjustSetting,
	type EditableSetting,
	type SettingsAction,
	type SettingsState,
} from './settings-state.js';
import {fit, formatBytes, formatRate} from './format.js';
import {Frame} from './Frame.js';
import type {Line} from './text-line.js';

type Props = {
	settings: Settings;
	state: SettingsState;
	width: number;
	height: number;
	bordered: boolean;
	focused: boolean;
};

const LABEL_WIDTH = 15;

const LABELS: Record<EditableSetting, string> = {
	rangeBits: 'range',
	minPopularity: 'min popularity',
};

function formatValue(setting: EditableSetting, value: number): string {
	return setting === 'rangeBits' ? `${value} bits` : `${value} q/min`;
}

export const SettingsPane = memo(function SettingsPane(props: Props) {
	const {state, settings} = props;

	const lines = useMemo(() => {
		const content: Line[] = [];
		for (const setting of ['rangeBits', 'minPopularity'] as const) {
			const selected = setting === state.selected;
			const pending = state.pending[setting];
			const inverse = selected && props.focused;
			content.push([
				{text: selected ? '› ' : '  ', tone: 'accent'},
				{text: fit(LABELS[setting], LABEL_WIDTH), bold: selected},
				{text: '◂ ', tone: 'muted'},
				{text: formatValue(setting, pending ?? settings[setting]), inverse, bold: true},
				{text: ' ▸', tone: 'muted'},
				pending === null ? {text: ''} : {text: ' …', tone: 'warn'},
			]);
		}

		const readOnly: Array<[string, string]> = [
			['upload sold', formatRate(settings.uploadBps)],
			['disk sold', formatBytes(settings.diskBytes)],
			['min rank', String(settings.minRank)],
		];
		for (const [label, value] of readOnly)
			content.push([{text: `  ${fit(label, LABEL_WIDTH)}`, tone: 'muted'}, {text: `  ${value}`}]);
		return content;
	}, [settings, state, props.focused]);

	return (
		<Frame
			title="Settings"
			focused={props.focused}
			bordered={props.bordered}
			width={props.width}
			height={props.height}
			lines={lines}
		/>
	);
});

/** Keys of the Settings pane while it has focus: choose a value, change it live. */
export function settingsKeys(
	input: string,
	key: Key,
	context: {
		state: SettingsState;
		dispatch: Dispatch<SettingsAction>;
		settings: Settings;
		/** Sends a value to the node; resolves either way (the caller reports failures). */
		onChange: (setting: EditableSetting, value: number) => Promise<void>;
	},
): void {
	const {state, dispatch, settings} = context;
	if (key.upArrow || input === 'k') {
		dispatch({type: 'select-previous'});
		return;
	}

	if (key.downArrow || input === 'j') {
		dispatch({type: 'select-next'});
		return;
	}

	let direction: 1 | -1 | 0 = 0;
	let large = false;
	if (key.rightArrow || input === '+' || input === '=' || input === 'l') direction = 1;
	else if (key.leftArrow || input === '-' || input === 'h') direction = -1;
	else if (key.pageUp) [direction, large] = [1, true];
	else if (key.pageDown) [direction, large] = [-1, true];
	if (direction === 0) return;
	const setting = state.selected;
	const current = state.pending[setting] ?? settings[setting];
	const value = adjustSetting(setting, current, direction, large);
	if (value === current) return;
	dispatch({type: 'set-pending', setting, value});
	void context.onChange(setting, value).finally(() => {
		dispatch({type: 'clear-pending', setting, value});
	});
}
