const PACING_GAIN = 1.25; // RFC 9002 §7.7: pace a little faster than window/RTT so ACK jitter can't starve the window
const BURST_PACKETS = 10; // datagrams that may leave back to back (also the initial burst)
/**
 * Node timers fire at best every millisecond, so the bucket must hold a couple of timer periods
 * of sending: otherwise the timer, not the window, would cap throughput on fast paths.
 */
const TIMER_PERIODS = 2;

/**
 * Token-bucket pacer: spreads a window's worth of packets over a round trip instead of sending it
 * in one burst that overflows router (and socket) buffers. Pure: the caller passes the clock.
 */
export class Pacer {
	private tokens: number;
	private last = Number.NaN;
	private readonly timerGranularity: number;

	constructor(maxDatagramSize = 1200, timerGranularity = 1) {
		this.tokens = BURST_PACKETS * maxDatagramSize;
		this.timerGranularity = timerGranularity;
	}

	/** Bytes per millisecond for this window and smoothed RTT; Infinity before an RTT sample. */
	static rate(window: number, smoothedRtt: number, hasSample: boolean): number {
		if (!hasSample || smoothedRtt <= 0) return Number.POSITIVE_INFINITY;
		return (PACING_GAIN * window) / smoothedRtt;
	}

	/**
	 * Earliest time a packet of `bytes` may leave: `now` (or earlier) means send it now.
	 * `rate` from Pacer.rate, `maxDatagramSize` sets the burst.
	 */
	nextSendTime(now: number, bytes: number, rate: number, maxDatagramSize: number): number {
		if (rate === Number.POSITIVE_INFINITY) return now;
		this.refill(now, rate, maxDatagramSize);
		if (this.tokens >= bytes) return now;
		return now + (bytes - this.tokens) / rate;
	}

	onPacketSent(now: number, bytes: number, rate: number, maxDatagramSize: number): void {
		if (rate === Number.POSITIVE_INFINITY) return;
		this.refill(now, rate, maxDatagramSize);
		this.tokens -= bytes;
	}

	private refill(now: number, rate: number, maxDatagramSize: number): void {
		const capacity = Math.max(
			BURST_PACKETS * maxDatagramSize,
			rate * this.timerGranularity * TIMER_PERIODS,
		);
		if (!Number.isNaN(this.last) && now > this.last) this.tokens += (now - this.last) * rate;
		this.last = now;
		if (this.tokens > capacity) this.tokens = capacity;
	}
}
