import {
	MIN_POPULARITY_MAX,
	MIN_POPULARITY_MIN,
	RANGE_BITS_MAX,
	RANGE_BITS_MIN,
} from '../node/controller.js';

/** The settings an operator can change live; the others are shown read-only. */
export type EditableSetting = 'rangeBits' | 'minPopularity';
export const EDITABLE_SETTINGS: readonly EditableSetting[] = ['rangeBits', 'minPopularity'];

const STEPS: Record<EditableSetting, {small: number; large: number; min: number; max: number}> = {
	// One bit doubles or halves the share of id space served; eight is a coarse jump.
	rangeBits: {small: 1, large: 8, min: RANGE_BITS_MIN, max: RANGE_BITS_MAX},
	minPopularity: {small: 1, large: 10, min: MIN_POPULARITY_MIN, max: MIN_POPULARITY_MAX},
};

export type SettingsState = {
	selected: EditableSetting;
	/** Values sent to the node and not yet confirmed; shown instead of the snapshot's. */
	pending: Record<EditableSetting, number | null>;
};

export type SettingsAction =
	| {type: 'select-next'}
	| {type: 'select-previous'}
	| {type: 'set-pending'; setting: EditableSetting; value: number}
	| {type: 'clear-pending'; setting: EditableSetting; value: number};

export const initialSettingsState: SettingsState = {
	selected: 'rangeBits',
	pending: {rangeBits: null, minPopularity: null},
};

export function settingsReducer(state: SettingsState, action: SettingsAction): SettingsState {
	switch (action.type) {
		case 'select-next':
		case 'select-previous': {
			const step = action.type === 'select-next' ? 1 : -1;
			const index = EDITABLE_SETTINGS.indexOf(state.selected);
			const selected =
				EDITABLE_SETTINGS[(index + step + EDITABLE_SETTINGS.length) % EDITABLE_SETTINGS.length];
			return {...state, selected};
		}

		case 'set-pending': {
			return {...state, pending: {...state.pending, [action.setting]: action.value}};
		}

		case 'clear-pending': {
			// A later key press may have sent a newer value; only its own answer clears it.
			if (state.pending[action.setting] !== action.value) return state;
			return {...state, pending: {...state.pending, [action.setting]: null}};
		}
	}
}

/** The value one key press away from `current`, clamped to the setting's bounds. */
export function adjustSetting(
	setting: EditableSetting,
	current: number,
	direction: 1 | -1,
	large: boolean,
): number {
	const {small, large: big, min, max} = STEPS[setting];
	const next = current + direction * (large ? big : small);
	// Popularity may be fractional in the node; keep one decimal so steps do not drift.
	const rounded = Math.round(next * 10) / 10;
	return Math.min(max, Math.max(min, rounded));
}
