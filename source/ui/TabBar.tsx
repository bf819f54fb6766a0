import {memo, useMemo} from 'react';
import {PANE_ORDER, PANE_TITLES, type PaneId} from './layout.js';
import type {Segment} from './text-line.js';
import {Lines} from './Lines.js';

/** The pane names in tab order, the focused one highlighted; shown when one pane fits. */
export const TabBar = memo(function TabBar({focus, width}: {focus: PaneId; width: number}) {
	const lines = useMemo(() => {
		const segments: Segment[] = [];
		for (const pane of PANE_ORDER) {
			const focused = pane === focus;
			segments.push({
				text: ` ${PANE_TITLES[pane]} `,
				inverse: focused,
				bold: focused,
				tone: focused ? 'accent' : 'muted',
			});
			segments.push({text: ' '});
		}

		return [segments];
	}, [focus]);
	return <Lines lines={lines} width={width} height={1} />;
});
