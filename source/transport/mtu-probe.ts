import {isIP} from 'node:net';

export const BASE_PLPMTU = 1200; // every path must carry this (as QUIC assumes)
export const INTERNET_CEILING = 1452; // IPv6 over Ethernet (1500 − 40 − 8); IPv4 over PPPoE fits too
export const LOOPBACK_CEILING = 65_000; // loopback MTU is 64 KiB; big datagrams amortise per-packet syscalls and crypto setup
const MAX_PROBES = 3; // RFC 8899 §5.1.2: losses of one size before it is ruled out
const SEARCH_DONE = 16; // bytes: stop when the bounds are this close
const RAISE_TIMER = 600_000; // ms, RFC 8899 PMTU_RAISE_TIMER: look for a larger MTU again
const BLACK_HOLE_LOSSES = 8; // full-size losses in a row, none acknowledged: the path shrank

/**
 * The largest UDP payload worth probing toward `host`: large on loopback, Ethernet-sized
 * elsewhere. Node cannot set the don't-fragment bit itself, so never probe beyond what the
 * local link carries unfragmented: that would "succeed" through IP fragmentation.
 */
export function mtuCeiling(host: string): number {
	if (isIP(host) === 4 && host.startsWith('127.')) return LOOPBACK_CEILING;
	if (host === '::1' || host === 'localhost') return LOOPBACK_CEILING;
	return INTERNET_CEILING;
}

/**
 * Datagram packetization-layer path MTU discovery (RFC 8899, simplified): start at 1200 bytes,
 * probe with padded ack-eliciting packets, binary search between the largest size acknowledged
 * and the smallest ruled out (trying the ceiling first, the common case), fall back to 1200 when
 * full-size packets black-hole, and search again every ten minutes.
 */
export class MtuProbe {
	/** Confirmed path MTU: the largest datagram the connection should send. */
	current = BASE_PLPMTU;
	readonly ceiling: number;
	private low = BASE_PLPMTU;
	private high: number;
	private inFlight = 0;
	/** Size being tested; 0 when the next one is still to be chosen. */
	private candidate = 0;
	private failures = 0;
	private searching = true;
	private searchAgainAt = Number.POSITIVE_INFINITY;
	private largeLosses = 0;

	constructor(ceiling: number) {
		this.ceiling = Math.max(BASE_PLPMTU, ceiling);
		this.high = this.ceiling;
		if (this.high - this.low < SEARCH_DONE) this.finish(0);
	}

	get isSearching(): boolean {
		return this.searching;
	}

	/** Size of the probe to send now, 0 when none is due (one probe in flight at a time). */
	nextProbeSize(now: number): number {
		if (!this.searching && now >= this.searchAgainAt) this.restart(this.ceiling);
		if (!this.searching || this.inFlight !== 0) return 0;
		if (this.candidate === 0) {
			// The ceiling first: on most paths it simply works and the search ends at once.
			this.candidate =
				this.high === this.ceiling && this.low === this.current && this.failures === 0
					? this.high
					: Math.floor((this.low + this.high + 1) / 2);
		}

		return this.candidate;
	}

	onProbeSent(size: number): void {
		this.inFlight = size;
	}

	/** A probe was acknowledged. True when `current` grew (resize packets, tell congestion control). */
	onProbeAcked(size: number, now: number): boolean {
		if (size === this.inFlight) this.inFlight = 0;
		if (size <= this.low) return false;
		this.low = size;
		this.failures = 0;
		this.candidate = 0;
		if (this.high - this.low < SEARCH_DONE) this.finish(now);
		if (size <= this.current) return false;
		this.current = size;
		return true;
	}

	onProbeLost(size: number, now: number): void {
		if (size === this.inFlight) this.inFlight = 0;
		if (size !== this.candidate) return;
		if (++this.failures < MAX_PROBES) return;
		this.failures = 0;
		this.candidate = 0;
		this.high = size - 1;
		if (this.high - this.low < SEARCH_DONE) this.finish(now);
	}

	/** An ordinary packet was acknowledged. */
	onPacketAcked(size: number): void {
		if (size > BASE_PLPMTU) this.largeLosses = 0;
	}

	/**
	 * An ordinary packet was lost. True when full-size packets stopped getting through while small
	 * ones do (a route change onto a smaller MTU): `current` fell back to 1200, search restarts.
	 */
	onPacketLost(size: number): boolean {
		if (size <= BASE_PLPMTU || this.current === BASE_PLPMTU) return false;
		if (++this.largeLosses < BLACK_HOLE_LOSSES) return false;
		const failed = this.current;
		this.current = BASE_PLPMTU;
		this.restart(failed - 1);
		return true;
	}

	private restart(high: number): void {
		this.low = this.current;
		this.high = Math.max(high, this.low);
		this.failures = 0;
		this.largeLosses = 0;
		this.inFlight = 0;
		this.candidate = 0;
		this.searching = this.high - this.low >= SEARCH_DONE;
		this.searchAgainAt = Number.POSITIVE_INFINITY;
	}

	private finish(now: number): void {
		this.searching = false;
		this.searchAgainAt = now + RAISE_TIMER;
	}
}
