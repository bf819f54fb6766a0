/**
 * Round-trip time estimation, RFC 6298 smoothing with the RFC 9002 §5 refinements: min_rtt,
 * and the peer's reported ack delay subtracted from a sample when that leaves it above min_rtt.
 * All times in milliseconds.
 */
export const INITIAL_RTT = 333; // ms before the first sample (RFC 9002 §6.2.2)
export const TIMER_GRANULARITY = 1; // ms, kGranularity

export class RttEstimator {
	/** Most recent raw sample, 0 before the first. */
	latest = 0;
	/** Minimum raw sample over the connection (never adjusted for ack delay). */
	min = 0;
	smoothed: number;
	variance: number;
	samples = 0;
	/** The peer's max_ack_delay: reported delays are capped to it (RFC 9002 §5.3). */
	maxAckDelay: number;

	constructor(maxAckDelay = 25, initialRtt = INITIAL_RTT) {
		this.maxAckDelay = maxAckDelay;
		this.smoothed = initialRtt;
		this.variance = initialRtt / 2;
	}

	get hasSample(): boolean {
		return this.samples > 0;
	}

	/**
	 * Adds a sample: `rtt` = now − send time of the newly acknowledged largest packet,
	 * `ackDelay` = the delay the peer reported in that ACK (ms).
	 */
	update(rtt: number, ackDelay: number): void {
		if (rtt < 0) return;
		this.latest = rtt;
		if (this.samples++ === 0) {
			this.min = rtt;
			this.smoothed = rtt;
			this.variance = rtt / 2;
			return;
		}

		if (rtt < this.min) this.min = rtt;
		const delay = Math.min(ackDelay, this.maxAckDelay);
		// Subtracting the delay must never make the sample look faster than the path can be.
		const adjusted = rtt >= this.min + delay ? rtt - delay : rtt;
		this.variance = 0.75 * this.variance + 0.25 * Math.abs(this.smoothed - adjusted);
		this.smoothed = 0.875 * this.smoothed + 0.125 * adjusted;
	}

	/** Probe timeout before backoff (RFC 9002 §6.2.1), including the peer's max ack delay. */
	pto(): number {
		return this.smoothed + Math.max(4 * this.variance, TIMER_GRANULARITY) + this.maxAckDelay;
	}

	/** RFC 6298 retransmission timeout (without its 1 s floor, which QUIC drops too). */
	rto(): number {
		return this.smoothed + Math.max(4 * this.variance, TIMER_GRANULARITY);
	}

	/** After persistent congestion the path may have changed: forget min (RFC 9002 §5.2). */
	resetMin(): void {
		this.min = this.latest;
	}
}
