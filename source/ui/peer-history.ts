import {SERIES_LENGTH, type PeerStats} from '../node/snapshot.js';

/**
 * Per-peer series the console keeps from successive snapshots (the node sends node-wide series
 * only), so the Charts pane can draw any peer the operator selects. Kept in preallocated ring
 * buffers that are overwritten in place: copying every peer's series every second made the
 * garbage collector the console's largest cost. Bounded: `limit` samples per peer, and only the
 * peers of the latest snapshot.
 */
export type PeerSeries = {
	rttMs: Array<number | null>;
	upBps: number[];
	downBps: number[];
};

type Ring = {
	/** NaN stands for a missing RTT sample. */
	rttMs: Float64Array;
	upBps: Float64Array;
	downBps: Float64Array;
	/** Samples written so far; the newest is at (written - 1) % limit. */
	written: number;
	/** The recording pass that last saw this peer. */
	seen: number;
};

export type PeerHistory = {
	readonly limit: number;
	readonly rings: Map<string, Ring>;
	passes: number;
};

export function createPeerHistory(limit = SERIES_LENGTH): PeerHistory {
	return {limit, rings: new Map(), passes: 0};
}

/** Appends one sample per peer and forgets peers that are gone. Mutates `history`. */
export function recordPeers(history: PeerHistory, peers: readonly PeerStats[]): void {
	const pass = ++history.passes;
	const {limit, rings} = history;
	for (const peer of peers) {
		let ring = rings.get(peer.idHex);
		if (ring === undefined) {
			ring = {
				rttMs: new Float64Array(limit),
				upBps: new Float64Array(limit),
				downBps: new Float64Array(limit),
				written: 0,
				seen: pass,
			};
			rings.set(peer.idHex, ring);
		}

		const slot = ring.written % limit;
		ring.rttMs[slot] = peer.rttMs ?? Number.NaN;
		ring.upBps[slot] = peer.upBps;
		ring.downBps[slot] = peer.downBps;
		ring.written++;
		ring.seen = pass;
	}

	for (const [id, ring] of rings) if (ring.seen !== pass) rings.delete(id);
}

/** A copy of one peer's series, oldest first; null for a peer with no samples. */
export function peerSeries(history: PeerHistory, idHex: string): PeerSeries | null {
	const ring = history.rings.get(idHex);
	if (ring === undefined) return null;
	const count = Math.min(ring.written, history.limit);
	const first = ring.written - count;
	const series: PeerSeries = {rttMs: [], upBps: [], downBps: []};
	for (let i = first; i < ring.written; i++) {
		const slot = i % history.limit;
		const rtt = ring.rttMs[slot];
		series.rttMs.push(Number.isNaN(rtt) ? null : rtt);
		series.upBps.push(ring.upBps[slot]);
		series.downBps.push(ring.downBps[slot]);
	}

	return series;
}
