import type {SettlementRail, Snapshot} from '../node/snapshot.js';
import {nextPane, type PaneId} from './layout.js';

/** normal: keys go to the focused pane; the others capture every key until they close. */
export type Mode = 'normal' | 'help' | 'command' | 'confirm';

export type Status = {tone: 'info' | 'error'; text: string};

/** An action that moves money (or starts processes), held until the operator answers y or n. */
export type PendingConfirm =
	| {
			kind: 'settle';
			peerIdHex: string;
			rail: SettlementRail | null;
			prompt: string;
	  }
	| {kind: 'demo'; count: number; prompt: string};

export type AppState = {
	focus: PaneId;
	mode: Mode;
	paused: boolean;
	status: Status | null;
	confirm: PendingConfirm | null;
	snapshot: Snapshot;
	/** When the shown snapshot arrived (console clock), for the header's staleness mark. */
	receivedAtMs: number;
};

export type AppAction =
	| {type: 'focus-next'}
	| {type: 'focus-previous'}
	| {type: 'focus'; pane: PaneId}
	| {type: 'toggle-help'}
	| {type: 'open-command'}
	| {type: 'close-command'}
	| {type: 'ask-confirm'; confirm: PendingConfirm}
	| {type: 'close-confirm'}
	| {type: 'toggle-pause'}
	| {type: 'receive-snapshot'; snapshot: Snapshot; nowMs: number}
	| {type: 'show-status'; status: Status | null};

export function initialAppState(snapshot: Snapshot, nowMs = Date.now()): AppState {
	return {
		focus: 'peers',
		mode: 'normal',
		paused: false,
		status: null,
		confirm: null,
		snapshot,
		receivedAtMs: nowMs,
	};
}

export function appReducer(state: AppState, action: AppAction): AppState {
	switch (action.type) {
		case 'focus-next':
		case 'focus-previous': {
			return {...state, focus: nextPane(state.focus, action.type === 'focus-next' ? 1 : -1)};
		}

		case 'focus': {
			return state.focus === action.pane ? state : {...state, focus: action.pane};
		}

		case 'toggle-help': {
			if (state.mode === 'help') return {...state, mode: 'normal'};
			return state.mode === 'normal' ? {...state, mode: 'help'} : state;
		}

		case 'open-command': {
			return state.mode === 'normal' ? {...state, mode: 'command'} : state;
		}

		case 'close-command': {
			return state.mode === 'command' ? {...state, mode: 'normal'} : state;
		}

		case 'ask-confirm': {
			return {...state, mode: 'confirm', confirm: action.confirm, status: null};
		}

		case 'close-confirm': {
			return {...state, mode: 'normal', confirm: null};
		}

		case 'toggle-pause': {
			return {...state, paused: !state.paused};
		}

		case 'receive-snapshot': {
			// Paused means the screen holds still: new snapshots are dropped, not queued.
			if (state.paused || action.snapshot === state.snapshot) return state;
			return {...state, snapshot: action.snapshot, receivedAtMs: action.nowMs};
		}

		case 'show-status': {
			return {...state, status: action.status};
		}
	}
}
