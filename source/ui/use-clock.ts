import {createContext, useCallback, useContext, useSyncExternalStore} from 'react';

/**
 * One clock for the whole console (a timer per component burns CPU, STACK.md). Components read
 * it through a selector and re-render only when what they select changes, so a clock tick that
 * changes nothing on screen costs no React commit and no Ink frame.
 */
export const CLOCK_INTERVAL_MS = 1000;

export type Clock = {
	now(): number;
	subscribe(listener: () => void): () => void;
};

/** Ticks only while something listens; the timer never keeps the process alive on its own. */
export function createClock(intervalMs = CLOCK_INTERVAL_MS, read = Date.now): Clock {
	const listeners = new Set<() => void>();
	let current = read();
	let timer: NodeJS.Timeout | undefined;
	return {
		now: () => current,
		subscribe(listener) {
			listeners.add(listener);
			if (timer === undefined) {
				current = read();
				timer = setInterval(() => {
					current = read();
					for (const each of listeners) each();
				}, intervalMs);
				timer.unref();
			}

			return () => {
				listeners.delete(listener);
				if (listeners.size === 0 && timer !== undefined) {
					clearInterval(timer);
					timer = undefined;
				}
			};
		},
	};
}

export const ClockContext = createContext<Clock | null>(null);

/** `select(now)` from the shared clock; return a primitive so unchanged values skip the render. */
export function useClock<T>(select: (now: number) => T): T {
	const clock = useContext(ClockContext);
	const subscribe = useCallback(
		(listener: () => void) => clock?.subscribe(listener) ?? (() => undefined),
		[clock],
	);
	return useSyncExternalStore(subscribe, () => select(clock?.now() ?? Date.now()));
}
