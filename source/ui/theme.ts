import {createContext, useContext} from 'react';

/** Colours by meaning, so NO_COLOR / `color: false` turns them all off in one place. */
export type Tone = 'accent' | 'good' | 'warn' | 'bad' | 'muted' | 'up' | 'down';

const COLORS: Record<Tone, string> = {
	accent: 'cyan',
	good: 'green',
	warn: 'yellow',
	bad: 'red',
	muted: 'gray',
	up: 'green',
	down: 'cyan',
};

export type ToneFunction = (tone: Tone) => string | undefined;

const colored: ToneFunction = (tone) => COLORS[tone];
const plain: ToneFunction = () => undefined;

export const ColorContext = createContext(true);

/** `tone('bad')` is a colour name for Ink's `<Text color>`, or undefined when colour is off. */
export function useTone(): ToneFunction {
	return useContext(ColorContext) ? colored : plain;
}

/** Green below half the line, yellow below 80 %, red beyond: the credit and store bars. */
export function usageTone(fraction: number): Tone {
	if (fraction >= 0.8) return 'bad';
	if (fraction >= 0.5) return 'warn';
	return 'good';
}

/** Whether the environment asks for no colour (https://no-color.org: set and not empty). */
export function colorFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
	const value = env['NO_COLOR'];
	return value === undefined || value === '';
}
