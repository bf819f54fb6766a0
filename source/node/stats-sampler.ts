import {idToHex} from '../identity/id.js';
import type {Connection} from '../transport/connection.js';
import {
	SERIES_LENGTH,
	type NodeSeries,
	type PeerStats,
	type Settings,
	type Snapshot,
} from './snapshot.js';

export type SamplerSource = {
	idHex: string;
	address: string;
	rank: number;
	port: number;
	startedAt: number;
	connections(): Connection[];
	rttOf(connection: Connection): number | undefined;
	settings(): Settings;
};

type Counters = {sent: number; received: number};

/**
 * Turns the node's live counters into the 1 Hz snapshot: per-peer rates from byte-counter deltas,
 * and the last minute of node-wide RTT and throughput. Called once a second; keeps only what the
 * next delta needs, so it is bounded by the connection table.
 */
export class StatsSampler {
	private readonly source: SamplerSource;
	private previous = new Map<Connection, Counters>();
	private lastAt = performance.now();
	private readonly series: NodeSeries = {rttMs: [], upBps: [], downBps: []};

	constructor(source: SamplerSource) {
		this.source = source;
	}

	sample(): Snapshot {
		const now = performance.now();
		const seconds = Math.max((now - this.lastAt) / 1000, 1e-3);
		this.lastAt = now;
		const next = new Map<Connection, Counters>();
		const peers: PeerStats[] = [];
		let up = 0;
		let down = 0;
		let rttSum = 0;
		let rttCount = 0;
		for (const connection of this.source.connections()) {
			const counters = {sent: connection.stats.bytesSent, received: connection.stats.bytesReceived};
			const before = this.previous.get(connection) ?? counters;
			next.set(connection, counters);
			const upBps = (counters.sent - before.sent) / seconds;
			const downBps = (counters.received - before.received) / seconds;
			up += upBps;
			down += downBps;
			const rtt = this.source.rttOf(connection);
			if (rtt !== undefined && connection.isOpen) {
				rttSum += rtt;
				rttCount++;
			}

			peers.push({
				idHex: idToHex(connection.peer.id),
				address: `${connection.host}:${connection.port}`,
				rank: connection.peer.rank,
				rttMs: rtt ?? null,
				upBps: Math.round(upBps),
				downBps: Math.round(downBps),
				state:
					connection.state === 'open'
						? upBps + downBps > 0
							? 'connected'
							: 'idle'
						: connection.state,
			});
		}

		this.previous = next;
		push(this.series.rttMs, rttCount > 0 ? rttSum / rttCount : null);
		push(this.series.upBps, Math.round(up));
		push(this.series.downBps, Math.round(down));
		const settings = this.source.settings();
		return {
			takenAtMs: Date.now(),
			self: {
				idHex: this.source.idHex,
				address: this.source.address,
				rank: this.source.rank,
				uptimeSeconds: Math.floor((Date.now() - this.source.startedAt) / 1000),
				port: this.source.port,
			},
			peers,
			series: {
				rttMs: [...this.series.rttMs],
				upBps: [...this.series.upBps],
				downBps: [...this.series.downBps],
			},
			chunks: [],
			store: {usedBytes: 0, budgetBytes: settings.diskBytes},
			settings,
			credit: [],
			jobs: [],
		};
	}
}

function push<T>(series: T[], value: T): void {
	series.push(value);
	if (series.length > SERIES_LENGTH) series.shift();
}
