import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export type TerminalSize = {columns: number; rows: number};

/** What we assume when stdout does not say (ink-testing-library has columns only, pipes neither). */
export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

export function readSize(stdout: {columns?: number; rows?: number}): TerminalSize {
	return {
		columns: stdout.columns && stdout.columns > 0 ? stdout.columns : FALLBACK_COLUMNS,
		rows: stdout.rows && stdout.rows > 0 ? stdout.rows : FALLBACK_ROWS,
	};
}

/** The terminal's size, updated live on stdout's 'resize' event. */
export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => readSize(stdout));
	useEffect(() => {
		const onResize = () => {
			setSize((previous) => {
				const next = readSize(stdout);
				return next.columns === previous.columns && next.rows === previous.rows ? previous : next;
			});
		};
		stdout.on('resize', onResize);
		onResize();
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
