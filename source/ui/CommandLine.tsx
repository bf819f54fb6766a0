import {memo, useMemo, type Dispatch} from 'react';
import type {Key} from 'ink';
import type {CommandAction, CommandState} from './command-state.js';
import {isErase, isSubmit, splitAtEnter, typedText} from './key-input.js';
import type {Line} from './text-line.js';
import {Lines} from './Lines.js';

type Props = {
	state: CommandState;
	width: number;
};

/** The `:` line: typed text, Enter runs it, Esc drops it, ↑/↓ recall earlier commands. */
export const CommandLine = memo(function CommandLine(props: Props) {
	const {state} = props;

	const lines = useMemo((): Line[] => {
		// Long paths scroll left so the end being typed stays visible.
		const room = Math.max(1, props.width - 2);
		const text =
			state.text.length >= room ? state.text.slice(state.text.length - room + 1) : state.text;
		return [[{text: ':', tone: 'accent', bold: true}, {text}, {text: '█', tone: 'accent'}]];
	}, [state.text, props.width]);
	return <Lines lines={lines} width={props.width} height={1} />;
});

/** Keys while the command line is open: Enter runs, Esc drops, ↑/↓ recall, the rest is text. */
export function commandKeys(
	input: string,
	key: Key,
	context: {
		state: CommandState;
		dispatch: Dispatch<CommandAction>;
		onSubmit: (text: string) => void;
		onCancel: () => void;
	},
): void {
	const {state, dispatch} = context;
	if (isSubmit(input, key)) {
		dispatch({type: 'submit'});
		context.onSubmit(state.text);
		return;
	}

	const burst = splitAtEnter(input);
	if (burst.enter && !key.ctrl && !key.meta) {
		const typed = typedText(burst.text, key);
		if (typed !== '') dispatch({type: 'insert', text: typed});
		dispatch({type: 'submit'});
		context.onSubmit(state.text + typed);
	} else if (key.escape) {
		dispatch({type: 'reset'});
		context.onCancel();
	} else if (isErase(key)) dispatch({type: 'delete-char'});
	else if (key.upArrow) dispatch({type: 'recall-previous'});
	else if (key.downArrow) dispatch({type: 'recall-next'});
	else {
		const text = typedText(input, key);
		if (text !== '') dispatch({type: 'insert', text});
	}
}
