import {memo, useMemo} from 'react';
import type {Mode} from './app-state.js';
import {
	COMMAND_KEYS,
	CONFIRM_KEYS,
	FILTER_KEYS,
	GLOBAL_KEYS,
	HELP_KEYS,
	PANE_KEYS,
	formatKeys,
	type KeyHelp,
} from './keymap.js';
import {PANE_TITLES, type PaneId} from './layout.js';
import type {Line} from './text-line.js';
import {Lines} from './Lines.js';

/** The keys that work right now: the focused pane's, then the global ones. */
export function footerKeys(focus: PaneId, mode: Mode, editingFilter: boolean): readonly KeyHelp[] {
	if (mode === 'command') return COMMAND_KEYS;
	if (mode === 'confirm') return CONFIRM_KEYS;
	if (mode === 'help') return HELP_KEYS;
	if (editingFilter) return FILTER_KEYS;
	return [...PANE_KEYS[focus], ...GLOBAL_KEYS];
}

export const Footer = memo(function Footer({
	focus,
	mode,
	editingFilter,
	width,
}: {
	focus: PaneId;
	mode: Mode;
	editingFilter: boolean;
	width: number;
}) {
	const lines = useMemo((): Line[] => {
		const label = mode === 'normal' && !editingFilter ? `${PANE_TITLES[focus]}: ` : '';
		return [
			[
				{text: label, bold: true, tone: 'accent'},
				{text: formatKeys(footerKeys(focus, mode, editingFilter)), tone: 'muted'},
			],
		];
	}, [focus, mode, editingFilter]);
	return <Lines lines={lines} width={width} height={1} />;
});
