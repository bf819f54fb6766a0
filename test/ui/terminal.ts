import {EventEmitter} from 'node:events';
import {setTimeout as delay} from 'node:timers/promises';
import type {ReactElement} from 'react';
import {render} from 'ink';
import {stripAnsi} from '../../source/ui/text-line.js';

/** What terminals send for the keys the console uses. */
export const KEYS = {
	tab: '\t',
	shiftTab: '\u001B[Z',
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	enter: '\r',
	escape: '\u001B',
	backspace: '\u007F',
} as const;

type Writable = {write(data: string): void};

/**
 * Sends keys one at a time, letting Ink and React settle after each (a lone Escape is only
 * reported after Ink's setImmediate flush, and effects re-register input handlers).
 */
export async function press(stdin: Writable, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		stdin.write(key);
		// eslint-disable-next-line no-await-in-loop
		await settle();
	}
}

export async function settle(): Promise<void> {
	await delay(15);
}

/**
 * Waits until Ink listens to stdin: it starts in an effect after the first frame, and keys
 * written before that are lost. Under load (tests run concurrently) that can take a while.
 */
export async function ready(stdin: {listenerCount(event: string): number}): Promise<void> {
	for (let waited = 0; stdin.listenerCount('readable') === 0; waited += 5) {
		if (waited > 10_000) throw new Error('Ink never started reading stdin');
		// eslint-disable-next-line no-await-in-loop
		await delay(5);
	}
}

/**
 * Waits (up to a few seconds) for a frame that satisfies `check`: Ink renders in a macrotask
 * after a key or snapshot, later still when tests run side by side. Returns the last frame
 * either way, for the assertion to show.
 */
export async function frameWhere(frame: () => string, check: (text: string) => boolean) {
	for (let waited = 0; waited < 5000 && !check(frame()); waited += 5) {
		// eslint-disable-next-line no-await-in-loop
		await delay(5);
	}

	return frame();
}

/** The last frame as plain text. */
export function plain(frame: string | undefined): string {
	return stripAnsi(frame ?? '');
}

/** A terminal of a chosen size (ink-testing-library's is 100 columns with no rows). */
export class FakeStdout extends EventEmitter {
	columns: number;
	rows: number;
	readonly isTTY = false;
	frames: string[] = [];

	constructor(columns: number, rows: number) {
		super();
		this.columns = columns;
		this.rows = rows;
	}

	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};

	lastFrame = () => this.frames.at(-1);

	resize(columns: number, rows: number) {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

export class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;

	write = (data: string) => {
		this.data = data;
		this.emit('readable');
	};

	read = () => {
		const {data} = this;
		this.data = null;
		return data;
	};

	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

/** Renders into a FakeStdout of the given size, every frame recorded (Ink's debug mode). */
export function renderAt(tree: ReactElement, columns: number, rows: number) {
	const stdout = new FakeStdout(columns, rows);
	const stdin = new FakeStdin();
	const instance = render(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	return {stdout, stdin, instance, frame: () => plain(stdout.lastFrame())};
}
