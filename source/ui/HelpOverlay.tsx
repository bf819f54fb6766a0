import {memo, useMemo} from 'react';
import {COMMAND_USAGE} from './command-parse.js';
import {GLOBAL_KEYS, PANE_KEYS, formatKeys} from './keymap.js';
import {PANE_ORDER, PANE_TITLES} from './layout.js';
import {Frame} from './Frame.js';
import {fit} from './format.js';
import type {Line} from './text-line.js';

const SECTION_WIDTH = 11;
const USAGE_WIDTH = 32;

/** Every key and command on one screen; replaces the panes until any key is pressed. */
export const HelpOverlay = memo(function HelpOverlay({
	width,
	height,
}: {
	width: number;
	height: number;
}) {
	const lines = useMemo(() => {
		const content: Line[] = [
			[{text: 'Keys', bold: true}],
			[{text: fit('Everywhere', SECTION_WIDTH), tone: 'accent'}, {text: formatKeys(GLOBAL_KEYS)}],
		];
		for (const pane of PANE_ORDER)
			content.push([
				{text: fit(PANE_TITLES[pane], SECTION_WIDTH), tone: 'accent'},
				{text: formatKeys(PANE_KEYS[pane])},
			]);
		content.push('', [{text: 'Commands (press : then type, Enter runs)', bold: true}]);
		for (const {usage, description} of COMMAND_USAGE)
			content.push([
				{text: `  ${fit(usage, USAGE_WIDTH)}`, tone: 'accent'},
				{text: description, tone: 'muted'},
			]);
		content.push('', [{text: 'Any key closes this help.', tone: 'muted'}]);
		return content;
	}, []);
	return <Frame bordered focused title="Help" width={width} height={height} lines={lines} />;
});
