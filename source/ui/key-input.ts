import type {Key} from 'ink';

/** Enter arrives as '\r' (key.return) from terminals, '\n' from some pastes. */
export function isSubmit(input: string, key: Key): boolean {
	return key.return || input === '\n' || input === '\r';
}

/** Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`. */
export function isErase(key: Key): boolean {
	return key.backspace || key.delete;
}

/**
 * Text typed before an Enter that arrived in the same read ("publish x\r" from a paste or a fast
 * terminal): Ink reports such a burst as one input, and the Enter must still submit.
 */
export function splitAtEnter(input: string): {text: string; enter: boolean} {
	const index = input.search(/[\r\n]/);
	return index === -1 ? {text: input, enter: false} : {text: input.slice(0, index), enter: true};
}

/** Text to insert for a key press, or '' for keys that are not text (arrows, Ctrl-x, Tab). */
export function typedText(input: string, key: Key): string {
	if (key.ctrl || key.meta || key.tab || key.escape || key.return) return '';
	if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return '';
	if (key.pageUp || key.pageDown || key.home || key.end) return '';
	if (key.backspace || key.delete) return '';
	// Control characters (and the rest of any escape sequence) are never part of a path or filter.
	return input.replaceAll(/[\u0000-\u001F\u007F]/g, '');
}
