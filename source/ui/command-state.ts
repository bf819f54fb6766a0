/** The `:` command line's text and its history (↑/↓ recall earlier commands). */
export type CommandState = {
	text: string;
	history: string[];
	/** Index into history while recalling, null while editing a new line. */
	recall: number | null;
};

export type CommandAction =
	| {type: 'reset'}
	| {type: 'insert'; text: string}
	| {type: 'delete-char'}
	| {type: 'recall-previous'}
	| {type: 'recall-next'}
	| {type: 'submit'};

/** Bounds: a command line is one path or link, and history is for the last few commands. */
const MAX_TEXT_LENGTH = 4096;
const MAX_HISTORY = 50;

export const initialCommandState: CommandState = {text: '', history: [], recall: null};

export function commandReducer(state: CommandState, action: CommandAction): CommandState {
	switch (action.type) {
		case 'reset': {
			return state.text === '' && state.recall === null
				? state
				: {...state, text: '', recall: null};
		}

		case 'insert': {
			// Pasted text arrives as one input; line breaks in it would end the command early.
			const clean = action.text.replaceAll(/[\r\n\t]/g, ' ');
			const text = (state.text + clean).slice(0, MAX_TEXT_LENGTH);
			return {...state, text, recall: null};
		}

		case 'delete-char': {
			return state.text === '' ? state : {...state, text: state.text.slice(0, -1), recall: null};
		}

		case 'recall-previous': {
			if (state.history.length === 0) return state;
			const recall =
				state.recall === null ? state.history.length - 1 : Math.max(0, state.recall - 1);
			return {...state, recall, text: state.history[recall]};
		}

		case 'recall-next': {
			if (state.recall === null) return state;
			if (state.recall >= state.history.length - 1) return {...state, recall: null, text: ''};
			const recall = state.recall + 1;
			return {...state, recall, text: state.history[recall]};
		}

		case 'submit': {
			const line = state.text.trim();
			const last = state.history.at(-1);
			const history =
				line === '' || line === last ? state.history : [...state.history, line].slice(-MAX_HISTORY);
			return {text: '', history, recall: null};
		}
	}
}
