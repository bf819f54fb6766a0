import type {PeerStats} from '../node/snapshot.js';
import {moveSelection} from './list-selection.js';

export type PeerSortKey = 'down' | 'up' | 'rtt' | 'rank' | 'state' | 'id';

/** Cycle order of `s`. */
export const PEER_SORT_KEYS: readonly PeerSortKey[] = ['down', 'up', 'rtt', 'rank', 'state', 'id'];

/** Rates and rank read best largest-first; RTT, state and id smallest-first. */
const DESCENDING_BY_DEFAULT: Record<PeerSortKey, boolean> = {
	down: true,
	up: true,
	rtt: false,
	rank: true,
	state: false,
	id: false,
};

/** A filter longer than any id or address is a stuck key, not a query. */
const MAX_FILTER_LENGTH = 64;

export type PeersState = {
	sortKey: PeerSortKey;
	descending: boolean;
	filter: string;
	editingFilter: boolean;
	selectedId: string | null;
};

export type PeersAction =
	| {type: 'cycle-sort'}
	| {type: 'reverse-sort'}
	| {type: 'start-filter'}
	| {type: 'type-filter'; text: string}
	| {type: 'delete-filter-char'}
	| {type: 'commit-filter'}
	| {type: 'clear-filter'}
	| {type: 'move-selection'; delta: number; ids: readonly string[]};

export const initialPeersState: PeersState = {
	sortKey: 'down',
	descending: true,
	filter: '',
	editingFilter: false,
	selectedId: null,
};

export function peersReducer(state: PeersState, action: PeersAction): PeersState {
	switch (action.type) {
		case 'cycle-sort': {
			const index = PEER_SORT_KEYS.indexOf(state.sortKey);
			const sortKey = PEER_SORT_KEYS[(index + 1) % PEER_SORT_KEYS.length];
			return {...state, sortKey, descending: DESCENDING_BY_DEFAULT[sortKey]};
		}

		case 'reverse-sort': {
			return {...state, descending: !state.descending};
		}

		case 'start-filter': {
			return {...state, editingFilter: true};
		}

		case 'type-filter': {
			if (!state.editingFilter) return state;
			const filter = (state.filter + action.text).slice(0, MAX_FILTER_LENGTH);
			return filter === state.filter ? state : {...state, filter};
		}

		case 'delete-filter-char': {
			if (!state.editingFilter || state.filter === '') return state;
			return {...state, filter: state.filter.slice(0, -1)};
		}

		case 'commit-filter': {
			return state.editingFilter ? {...state, editingFilter: false} : state;
		}

		case 'clear-filter': {
			if (state.filter === '' && !state.editingFilter) return state;
			return {...state, filter: '', editingFilter: false};
		}

		case 'move-selection': {
			const selectedId = moveSelection(state.selectedId, action.ids, action.delta);
			return selectedId === state.selectedId ? state : {...state, selectedId};
		}
	}
}

/** Peers matching the filter (id, address or state, case-insensitive), in the chosen order. */
export function selectVisiblePeers(peers: readonly PeerStats[], state: PeersState): PeerStats[] {
	const needle = state.filter.trim().toLowerCase();
	const matching =
		needle === ''
			? [...peers]
			: peers.filter(
					(peer) =>
						peer.idHex.includes(needle) ||
						peer.address.toLowerCase().includes(needle) ||
						peer.state.includes(needle),
				);
	const sign = state.descending ? -1 : 1;
	const compare = comparators[state.sortKey];
	// Ties fall back to the id so rows with equal values do not swap places every second.
	return matching.sort((a, b) => sign * compare(a, b) || (a.idHex < b.idHex ? -1 : 1));
}

const STATE_ORDER: Record<PeerStats['state'], number> = {
	connected: 0,
	handshaking: 1,
	idle: 2,
	closed: 3,
};

const comparators: Record<PeerSortKey, (a: PeerStats, b: PeerStats) => number> = {
	down: (a, b) => a.downBps - b.downBps,
	up: (a, b) => a.upBps - b.upBps,
	// An unmeasured RTT sorts as slower than any measured one.
	rtt: (a, b) => (a.rttMs ?? Number.MAX_VALUE) - (b.rttMs ?? Number.MAX_VALUE),
	rank: (a, b) => a.rank - b.rank,
	state: (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state],
	id: (a, b) => (a.idHex < b.idHex ? -1 : a.idHex > b.idHex ? 1 : 0),
};
