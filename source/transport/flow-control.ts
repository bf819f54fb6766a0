/**
 * Credit-based flow control (as QUIC's, RFC 9000 §4), used per stream (offsets) and per
 * connection (sums over streams). Windows in bytes, times in ms.
 */

export const DEFAULT_STREAM_WINDOW = 256 * 1024; // initial per-stream receive window
export const DEFAULT_MAX_STREAM_WINDOW = 16 * 1024 * 1024; // auto-tuning stops here
export const DEFAULT_CONNECTION_WINDOW = 512 * 1024; // ≥ 1.5 × a stream's, so one stream can't starve it
export const DEFAULT_MAX_CONNECTION_WINDOW = 24 * 1024 * 1024;

/**
 * What we let the peer send. `limit` is the highest offset (or connection byte count) advertised;
 * data beyond it is a flow-control violation. Credit is returned as the application consumes.
 */
export class ReceiveWindow {
	limit: number;
	/** Highest offset received (per stream) or sum of those (per connection). */
	received = 0;
	/** Bytes the application has read. */
	consumed = 0;
	/** Current window size; grows (up to maxWindow) while updates come faster than 2 RTTs. */
	window: number;
	readonly maxWindow: number;
	private lastUpdate = Number.NaN;

	constructor(window: number, maxWindow = window) {
		this.window = window;
		this.maxWindow = Math.max(window, maxWindow);
		this.limit = window;
	}

	allows(end: number): boolean {
		return end <= this.limit;
	}

	onReceived(bytes: number): void {
		this.received += bytes;
	}

	onConsumed(bytes: number): void {
		this.consumed += bytes;
	}

	/**
	 * The new limit to advertise (MAX_DATA / MAX_STREAM_DATA) once the application has consumed
	 * half the window; 0 when no update is due yet. If the previous update was less than two round
	 * trips ago the window is the bottleneck, so it doubles (receive-window auto-tuning).
	 */
	update(now: number, smoothedRtt: number): number {
		if (this.limit - this.consumed > this.window / 2) return 0;
		if (
			!Number.isNaN(this.lastUpdate) &&
			now - this.lastUpdate < 2 * smoothedRtt &&
			this.window < this.maxWindow
		) {
			this.window = Math.min(2 * this.window, this.maxWindow);
		}

		this.lastUpdate = now;
		this.limit = this.consumed + this.window;
		return this.limit;
	}
}

/** What the peer lets us send: its latest MAX_DATA / MAX_STREAM_DATA against what we sent. */
export class SendWindow {
	limit: number;
	used = 0;
	private blockedReported = -1;

	constructor(limit: number) {
		this.limit = limit;
	}

	get available(): number {
		return this.limit > this.used ? this.limit - this.used : 0;
	}

	/** Applies a MAX_* frame; limits only ever rise (frames may arrive out of order). */
	onMaximum(maximum: number): boolean {
		if (maximum <= this.limit) return false;
		this.limit = maximum;
		return true;
	}

	consume(bytes: number): void {
		this.used += bytes;
	}

	/**
	 * Call when data is waiting on this window: the limit to report in a DATA_BLOCKED /
	 * STREAM_DATA_BLOCKED frame, once per limit value; -1 when not blocked or already reported.
	 */
	blocked(): number {
		if (this.used < this.limit || this.blockedReported === this.limit) return -1;
		this.blockedReported = this.limit;
		return this.limit;
	}
}
