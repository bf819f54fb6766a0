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

type DeferredTimer = {
	cancelled: boolean;
	timeout: NodeJS.Timeout | undefined;
	immediate: NodeJS.Immediate | undefined;
};

/**
 * The system clock, except that a timer's callback runs after the I/O already waiting. After a
 * stall (garbage collection, a busy machine) Node runs every expired timer before it reads the
 * sockets, so a lookup would mark slow the peers whose answers sit unread in the socket buffer and
 * finish with none of them. Here the timer only schedules its callback for the check phase, which
 * comes after the poll phase has delivered those answers (and a clearTimer then still cancels it).
 */
export const ioFirstClock: Clock = {
	now: systemClock.now,
	setTimer(ms, fn) {
		const timer: DeferredTimer = {cancelled: false, timeout: undefined, immediate: undefined};
		timer.timeout = setTimeout(() => {
			timer.immediate = setImmediate(() => {
				if (!timer.cancelled) fn();
			});
		}, ms);
		return timer;
	},
	clearTimer(handle) {
		const timer = handle as DeferredTimer;
		timer.cancelled = true;
		clearTimeout(timer.timeout);
		if (timer.immediate) clearImmediate(timer.immediate);
	},
};
