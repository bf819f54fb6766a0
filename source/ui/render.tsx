import {render, type Instance} from 'ink';
import type {NodeController} from '../node/controller.js';
import {colorFromEnvironment} from './theme.js';
import {App} from './App.js';
import type {ConsoleDemo} from './console-demo.js';

export type ConsoleOptions = {
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
	stderr?: NodeJS.WriteStream;
	/** Default: on unless NO_COLOR is set (pass false for --no-color). */
	color?: boolean;
	/**
	 * Draw on the terminal's alternate screen, so quitting gives back the shell as it was.
	 * Default: when stdout is a TTY.
	 */
	alternateScreen?: boolean;
	/** The local demo network the console may offer and start. */
	demo?: ConsoleDemo;
};

export type ConsoleHandle = {
	/** Resolves when the console is gone: q, :quit, Ctrl-C, or unmount(). */
	waitUntilExit(): Promise<void>;
	unmount(): void;
};

/** Ink redraws at most this often however fast snapshots and keys arrive (STACK.md). */
export const CONSOLE_MAX_FPS = 10;

/**
 * Ink 6.8 has `incrementalRendering`, but it misplaces changed lines by one row when the frame
 * is shorter than the terminal (ours is rows - 1, to avoid the full-screen clear): after a frame
 * ending in a newline it moves the cursor up one row too few, so every changed line lands one
 * row low and the first changed row keeps stale text (seen in tmux at 80×24). The standard
 * writer erases and redraws the frame inside synchronized-output brackets instead.
 */
const INCREMENTAL_RENDERING = false;

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

export function renderConsole(
	controller: NodeController,
	options: ConsoleOptions = {},
): ConsoleHandle {
	const stdout = options.stdout ?? process.stdout;
	const alternateScreen = options.alternateScreen ?? stdout.isTTY === true;
	let left = !alternateScreen;
	const leaveAlternateScreen = () => {
		if (left) return;
		left = true;
		stdout.write(LEAVE_ALTERNATE_SCREEN);
	};

	if (alternateScreen) {
		stdout.write(ENTER_ALTERNATE_SCREEN);
		// Also on a crash or process.exit(), or the shell is left on the blank alternate screen.
		process.once('exit', leaveAlternateScreen);
	}

	let instance: Instance | undefined;
	const exit = () => {
		instance?.unmount();
	};

	instance = render(
		<App
			controller={controller}
			color={options.color ?? colorFromEnvironment()}
			demo={options.demo}
			onExit={exit}
		/>,
		{
			stdout,
			stdin: options.stdin ?? process.stdin,
			stderr: options.stderr ?? process.stderr,
			maxFps: CONSOLE_MAX_FPS,
			incrementalRendering: INCREMENTAL_RENDERING,
			exitOnCtrlC: true,
			patchConsole: true,
		},
	);

	const exited = instance.waitUntilExit().then(
		() => {
			leaveAlternateScreen();
			process.off('exit', leaveAlternateScreen);
		},
		(error: unknown) => {
			leaveAlternateScreen();
			process.off('exit', leaveAlternateScreen);
			throw error;
		},
	);

	// Callers that never wait must not see an unhandled rejection; those that wait still do.
	exited.catch(() => undefined);

	return {
		async waitUntilExit() {
			await exited;
		},
		unmount: exit,
	};
}
