/**
 * Terminal cells taken by text, and text made safe to print. Peer addresses, file names and
 * error messages reach the screen from outside: a control character in them (ESC above all)
 * would reach the terminal as a command, and a wide character would push the frame past its
 * width, which Ink then wraps and the screen scrolls.
 */
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;
/** East Asian wide and fullwidth ranges, and the emoji blocks terminals draw two cells wide. */
const WIDE =
	/[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200B-\u200D\uFE0F]/u;

/** Control characters become '?' (never sent to the terminal). */
export function printable(text: string): string {
	return PRINTABLE_ASCII.test(text) ? text : text.replace(CONTROL, '?');
}

function charWidth(char: string): number {
	if (ZERO_WIDTH.test(char)) return 0;
	return WIDE.test(char) ? 2 : 1;
}

export function textWidth(text: string): number {
	if (PRINTABLE_ASCII.test(text)) return text.length;
	let width = 0;
	for (const char of text) width += charWidth(char);
	return width;
}

/** The longest prefix of `text` at most `width` cells wide. */
export function sliceToWidth(text: string, width: number): string {
	if (PRINTABLE_ASCII.test(text)) return text.slice(0, Math.max(0, width));
	let used = 0;
	let end = 0;
	for (const char of text) {
		const cells = charWidth(char);
		if (used + cells > width) break;
		used += cells;
		end += char.length;
	}

	return text.slice(0, end);
}
