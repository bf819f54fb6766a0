import type {CreditEntry} from '../node/snapshot.js';
import {moveSelection} from './list-selection.js';

export type CreditState = {selectedId: string | null};

export type CreditAction = {type: 'move-selection'; delta: number; ids: readonly string[]};

export const initialCreditState: CreditState = {selectedId: null};

export function creditReducer(state: CreditState, action: CreditAction): CreditState {
	switch (action.type) {
		case 'move-selection': {
			const selectedId = moveSelection(state.selectedId, action.ids, action.delta);
			return selectedId === state.selectedId ? state : {selectedId};
		}
	}
}

/** How much of the credit line is in use, either direction; 0 for a zero line. */
export function creditUse(entry: CreditEntry): number {
	return entry.creditLine > 0 ? Math.abs(entry.balance) / entry.creditLine : 0;
}

/** Most used lines first: the ones about to need settling. */
export function sortCredit(credit: readonly CreditEntry[]): CreditEntry[] {
	return [...credit].sort(
		(a, b) =>
			creditUse(b) - creditUse(a) ||
			(a.peerIdHex < b.peerIdHex ? -1 : a.peerIdHex > b.peerIdHex ? 1 : 0),
	);
}
