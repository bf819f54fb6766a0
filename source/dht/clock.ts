import {performance} from 'node:perf_hooks';

export type TimerHandle = unknown;

/**
 * Time as the DHT sees it. A real node passes `systemClock`; the simulator passes a virtual clock,
 * so the same lookup code with the same timeouts runs in both.
 */
export type Clock = {
	/** Milliseconds, monotonic. */
	now(): number;
	setTimer(ms: number, fn: () => void): TimerHandle;
	clearTimer(handle: TimerHandle): void;
};

export const systemClock: Clock = {
	now: () => performance.now(),
	setTimer: (ms, fn) => setTimeout(fn, ms),
	clearTimer(handle) {
		clearTimeout(handle as ReturnType<typeof setTimeout>);
	},
};
