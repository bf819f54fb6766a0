import {useCallback, useRef, useState, type RefObject} from 'react';

/**
 * useReducer whose current state can also be read synchronously through a ref. Ink 6 on
 * React 19 renders updates in a later macrotask, so a key handler that read state from the last
 * render would act on stale state when keys arrive together (a paste, a burst over SSH). The
 * ref is advanced by the same pure reducer the moment an action is dispatched.
 */
export function useStore<S, A>(
	reducer: (state: S, action: A) => S,
	initial: () => S,
): [state: S, dispatch: (action: A) => void, current: RefObject<S>] {
	const current = useRef<S>(undefined as S);
	const [state, setState] = useState<S>(() => {
		current.current = initial();
		return current.current;
	});
	const dispatch = useCallback(
		(action: A) => {
			const next = reducer(current.current, action);
			if (next === current.current) return;
			current.current = next;
			setState(next);
		},
		[reducer],
	);
	return [state, dispatch, current];
}
