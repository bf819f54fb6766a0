import type {ChunkStats} from '../node/snapshot.js';

export type ChunkSortKey = 'rate' | 'distance' | 'size';
export const CHUNK_SORT_KEYS: readonly ChunkSortKey[] = ['rate', 'distance', 'size'];

export type ChunksState = {sortKey: ChunkSortKey; offset: number};

export type ChunksAction =
	| {type: 'cycle-sort'}
	| {type: 'scroll'; delta: number; total: number; pageSize: number}
	| {type: 'scroll-to'; position: 'start' | 'end'; total: number; pageSize: number};

export const initialChunksState: ChunksState = {sortKey: 'rate', offset: 0};

export function chunksReducer(state: ChunksState, action: ChunksAction): ChunksState {
	switch (action.type) {
		case 'cycle-sort': {
			const index = CHUNK_SORT_KEYS.indexOf(state.sortKey);
			return {sortKey: CHUNK_SORT_KEYS[(index + 1) % CHUNK_SORT_KEYS.length], offset: 0};
		}

		case 'scroll': {
			return withOffset(state, state.offset + action.delta, action.total, action.pageSize);
		}

		case 'scroll-to': {
			const target = action.position === 'start' ? 0 : action.total;
			return withOffset(state, target, action.total, action.pageSize);
		}
	}
}

/** Clamps a scroll offset so the last page is full rather than scrolled past the end. */
export function clampOffset(offset: number, total: number, pageSize: number): number {
	return Math.max(0, Math.min(offset, total - Math.max(1, pageSize)));
}

function withOffset(state: ChunksState, offset: number, total: number, pageSize: number) {
	const clamped = clampOffset(offset, total, pageSize);
	return clamped === state.offset ? state : {...state, offset: clamped};
}

/** Most popular first by default; nearest first by distance; largest first by size. */
export function sortChunks(chunks: readonly ChunkStats[], sortKey: ChunkSortKey): ChunkStats[] {
	const sorted = [...chunks];
	switch (sortKey) {
		case 'rate': {
			return sorted.sort((a, b) => b.queryRate - a.queryRate || compareIds(a, b));
		}

		case 'distance': {
			return sorted.sort((a, b) => a.distanceBits - b.distanceBits || compareIds(a, b));
		}

		case 'size': {
			return sorted.sort((a, b) => b.bytes - a.bytes || compareIds(a, b));
		}
	}
}

function compareIds(a: ChunkStats, b: ChunkStats): number {
	return a.idHex < b.idHex ? -1 : a.idHex > b.idHex ? 1 : 0;
}
