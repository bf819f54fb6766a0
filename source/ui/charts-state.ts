/** Which charts show when the pane is too short for node-wide and per-peer charts at once. */
export type ChartScope = 'node' | 'peer';

export type ChartsState = {scope: ChartScope};

export type ChartsAction = {type: 'toggle-scope'};

export const initialChartsState: ChartsState = {scope: 'node'};

export function chartsReducer(state: ChartsState, action: ChartsAction): ChartsState {
	switch (action.type) {
		case 'toggle-scope': {
			return {scope: state.scope === 'node' ? 'peer' : 'node'};
		}
	}
}
