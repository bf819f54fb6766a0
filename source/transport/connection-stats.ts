import {BASE_PLPMTU} from './mtu-probe.js';
import type {PacketSender} from './packet-sender.js';
import type {StreamTable} from './stream-table.js';

/** A plain copy of a connection's figures, for the console's 1 Hz sample (JSON-safe). */
export type ConnectionStatsSnapshot = {
	packetsSent: number;
	packetsReceived: number;
	bytesSent: number;
	bytesReceived: number;
	rejectedPackets: number;
	rttMs: number;
	minRttMs: number;
	cwnd: number;
	bytesInFlight: number;
	packetsLost: number;
	retransmittedBytes: number;
	mtu: number;
	congestion: string;
	probeTimeouts: number;
	streams: number;
};

/**
 * Counters the connection keeps itself (bytes and packets on the wire, rejected packets, last
 * activity), and live getters for what the reliability machinery knows: RTT, window, losses, MTU.
 * Cheap to read at any time; `snapshot()` copies it for a 1 Hz sampler.
 */
export class ConnectionStats {
	packetsSent = 0;
	packetsReceived = 0;
	bytesSent = 0;
	bytesReceived = 0;
	/** Packets that failed authentication or were replays. */
	rejectedPackets = 0;
	lastReceived: number;
	lastSent: number;
	/** The controller a connection starts with (reported until its machinery exists). */
	congestionKind = 'cubic';
	/** Set by the connection once its reliability machinery exists. */
	sender: PacketSender | undefined;
	streamTable: StreamTable | undefined;

	constructor(now: number, bytesReceived: number) {
		this.lastReceived = now;
		this.lastSent = now;
		this.bytesReceived = bytesReceived;
	}

	/** Smoothed round-trip time (RFC 6298), ms; 0 before the first sample. */
	get rttMs(): number {
		const rtt = this.sender?.recovery.rtt;
		return rtt?.hasSample ? rtt.smoothed : 0;
	}

	get minRttMs(): number {
		return this.sender?.recovery.rtt.min ?? 0;
	}

	/** Congestion window, bytes. */
	get cwnd(): number {
		return this.sender?.recovery.congestion.window ?? 0;
	}

	get bytesInFlight(): number {
		return this.sender?.recovery.congestion.bytesInFlight ?? 0;
	}

	get packetsLost(): number {
		return this.sender?.recovery.stats.packetsLost ?? 0;
	}

	get retransmittedBytes(): number {
		return this.streamTable?.bytesRetransmitted ?? 0;
	}

	/** Confirmed path MTU: the largest datagram the connection sends. */
	get mtu(): number {
		return this.sender?.packetSize ?? BASE_PLPMTU;
	}

	get congestion(): string {
		return this.sender?.recovery.congestion.name ?? this.congestionKind;
	}

	get probeTimeouts(): number {
		return this.sender?.recovery.stats.probeTimeouts ?? 0;
	}

	get streams(): number {
		return this.streamTable?.openCount ?? 0;
	}

	snapshot(): ConnectionStatsSnapshot {
		return {
			packetsSent: this.packetsSent,
			packetsReceived: this.packetsReceived,
			bytesSent: this.bytesSent,
			bytesReceived: this.bytesReceived,
			rejectedPackets: this.rejectedPackets,
			rttMs: this.rttMs,
			minRttMs: this.minRttMs,
			cwnd: this.cwnd,
			bytesInFlight: this.bytesInFlight,
			packetsLost: this.packetsLost,
			retransmittedBytes: this.retransmittedBytes,
			mtu: this.mtu,
			congestion: this.congestion,
			probeTimeouts: this.probeTimeouts,
			streams: this.streams,
		};
	}
}
