import {WindowController} from './congestion.js';
import type {RttEstimator} from './rtt-estimator.js';

export const LEDBAT_TARGET = 100; // ms of queuing delay we allow ourselves (BEP 29, RFC 6817 §3.2)
const GAIN = 1; // at most one datagram per round trip: never faster than Reno (RFC 6817 §2.4.2)
const BASE_BUCKET = 60_000; // ms; base delay is the minimum over BASE_HISTORY one-minute buckets
const BASE_HISTORY = 10; // RFC 6817 §3.2: ten minutes, so a route change is noticed
const CURRENT_FILTER = 4; // samples: the current delay is their minimum (filters delayed-ACK noise)
const SLOW_START_EXIT = 0.75; // leave slow start at 3/4 of the target (LEDBAT++)
const MAX_DECREASE = 0.5; // at most halve the window per round trip for delay

/**
 * LEDBAT-style background congestion control for serving chunks: it keeps the queue it causes
 * near LEDBAT_TARGET above the path's base delay and backs off as soon as anyone else fills the
 * queue, so the owner's own traffic (TCP or a normal tornet connection) wins the bottleneck.
 *
 * Delay is measured as round-trip time (as LEDBAT++ does) rather than one-way delay: packets
 * carry no timestamps, and a queue on either direction is a queue someone else is waiting in.
 * When the delay rises the window shrinks in proportion (LEDBAT++'s multiplicative decrease)
 * instead of RFC 6817's slow linear one, so it yields within a few round trips.
 */
export class Ledbat extends WindowController {
	readonly name = 'ledbat';
	readonly target: number;
	private readonly baseBuckets = new Float64Array(BASE_HISTORY).fill(Number.POSITIVE_INFINITY);
	private bucketIndex = 0;
	private bucketStart = Number.NaN;
	private readonly recent = new Float64Array(CURRENT_FILTER).fill(Number.POSITIVE_INFINITY);
	private recentIndex = 0;
	private lastSampleCount = 0;

	constructor(maxDatagramSize?: number, target = LEDBAT_TARGET) {
		super(maxDatagramSize);
		this.target = target;
	}

	/** Minimum round-trip time over the history: the path without anyone's queue. */
	get baseDelay(): number {
		let base = Number.POSITIVE_INFINITY;
		for (const value of this.baseBuckets) if (value < base) base = value;
		return base;
	}

	get currentDelay(): number {
		let current = Number.POSITIVE_INFINITY;
		for (const value of this.recent) if (value < current) current = value;
		return current;
	}

	/** Estimated queuing delay (ms) on the path right now; 0 before any sample. */
	get queuingDelay(): number {
		const delay = this.currentDelay - this.baseDelay;
		return Number.isFinite(delay) ? delay : 0;
	}

	override onPacketAcked(bytes: number, timeSent: number, now: number, rtt: RttEstimator): void {
		// One delay sample per RTT sample, even when an ACK covers several packets.
		if (rtt.samples !== this.lastSampleCount) {
			this.lastSampleCount = rtt.samples;
			this.addSample(rtt.latest, now);
		}

		super.onPacketAcked(bytes, timeSent, now, rtt);
	}

	protected grow(bytes: number, _now: number, _rtt: unknown, windowLimited: boolean): void {
		const queuing = this.queuingDelay;
		// Backing off for delay applies whether or not the window is in use; growth only when it is.
		if (!windowLimited && queuing <= this.target) return;
		if (this.inSlowStart) {
			if (queuing < SLOW_START_EXIT * this.target) {
				this.window += bytes;
				return;
			}

			this.slowStartThreshold = this.window;
		}

		const offTarget = (this.target - queuing) / this.target;
		if (offTarget >= 0) {
			this.window += (GAIN * offTarget * bytes * this.maxDatagramSize) / this.window;
		} else {
			// Over target: shrink in proportion to how far over, spread across the round trip's ACKs.
			this.window -= Math.min(-offTarget, MAX_DECREASE) * bytes;
		}

		if (this.window < this.minimumWindow) this.window = this.minimumWindow;
	}

	protected reduce(): void {
		this.window = Math.max(this.window / 2, this.minimumWindow);
		this.slowStartThreshold = this.window;
	}

	private addSample(delay: number, now: number): void {
		this.recent[this.recentIndex] = delay;
		this.recentIndex = (this.recentIndex + 1) % CURRENT_FILTER;
		if (Number.isNaN(this.bucketStart)) this.bucketStart = now;
		while (now - this.bucketStart >= BASE_BUCKET) {
			this.bucketStart += BASE_BUCKET;
			this.bucketIndex = (this.bucketIndex + 1) % BASE_HISTORY;
			this.baseBuckets[this.bucketIndex] = Number.POSITIVE_INFINITY;
		}

		if (delay < this.baseBuckets[this.bucketIndex]) this.baseBuckets[this.bucketIndex] = delay;
	}
}
