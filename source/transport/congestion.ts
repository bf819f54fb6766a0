import type {RateSample} from './rate-sampler.js';
import type {RttEstimator} from './rtt-estimator.js';

export const INITIAL_MAX_DATAGRAM_SIZE = 1200; // every path carries this much (DPLPMTUD base)
const LOSS_RATE_PACKETS = 128; // the loss rate is an average over about this many packets
const RANDOM_LOSS_RATE = 0.05; // above this share of packets lost, a loss is congestion whatever the RTT
const RANDOM_LOSS_QUEUE = 3; // datagrams queued (Veno's β): fewer behind a loss, and it looks random

/**
 * What loss detection and the sender ask of a congestion controller. Sizes in bytes, times in ms.
 * Implementations: NewReno (new-reno.ts), CUBIC (cubic.ts), LEDBAT-style background (ledbat.ts),
 * BBR-style rate-based (bbr.ts).
 */
export type CongestionController = {
	readonly name: string;
	/** Congestion window in bytes. */
	readonly window: number;
	readonly bytesInFlight: number;
	readonly slowStartThreshold: number;
	/** Congestion events (window cuts) so far, for stats. */
	readonly congestionEvents: number;
	/** Loss events taken for random (no queue behind them, rare): retransmitted, window kept. */
	readonly randomLosses: number;
	canSend(bytes: number): boolean;
	onPacketSent(bytes: number, now: number): void;
	/** An in-flight packet sent at `timeSent` was acknowledged. Call after loss detection ran. */
	onPacketAcked(bytes: number, timeSent: number, now: number, rtt: RttEstimator): void;
	/** An in-flight packet left the network without an acknowledgement (lost, or a lost probe). */
	onPacketLost(bytes: number): void;
	/** Loss of a packet sent at `timeSent` (the newest lost one of a batch): cut once per round trip. */
	onCongestionEvent(timeSent: number, now: number): void;
	/** Every packet over a long period was lost (RFC 9002 §7.6): back to the minimum window. */
	onPersistentCongestion(now: number): void;
	/** The path MTU changed: the windows are counted in datagrams of this size. */
	setMaxDatagramSize(bytes: number): void;
	/** Rate-based controllers: one delivery-rate sample per ACK, after the per-packet calls. */
	onRateSample?(sample: RateSample, now: number, rtt: RttEstimator): void;
	/**
	 * Rate-based controllers: the pacing rate (bytes per ms) when they have one; otherwise the
	 * sender paces at window / smoothed RTT.
	 */
	readonly pacingRate?: number;
};

/**
 * Window bookkeeping shared by the loss-based and delay-based controllers: bytes in flight, the
 * recovery period, and the rule that the window only grows while the sender actually uses it.
 */
export abstract class WindowController implements CongestionController {
	abstract readonly name: string;
	window: number;
	bytesInFlight = 0;
	slowStartThreshold = Number.POSITIVE_INFINITY;
	congestionEvents = 0;
	randomLosses = 0;
	/** Share of recently sent packets that were lost (moving average). */
	lossRate = 0;
	protected maxDatagramSize: number;
	/**
	 * Whether a loss with no queue behind it is taken for random loss (Veno, Fu & Liew 2003): on a
	 * lossy radio link or relay, a loss-based controller that halves on every loss never fills the
	 * path (Mathis: 2 % loss caps Reno near 9 datagrams per RTT). Loss with a growing queue, or
	 * frequent loss, is still congestion.
	 */
	protected toleratesRandomLoss = false;
	private rtt: RttEstimator | undefined;
	/**
	 * Losses of packets sent before this time belong to the congestion event that is already being
	 * handled, which is what limits window cuts to one per round trip (RFC 9002 §7.3.2).
	 */
	protected recoveryStart = Number.NEGATIVE_INFINITY;
	/** Largest bytes in flight this round and the previous one (is the window being used?). */
	private peakInFlight = 0;
	private previousPeak = 0;
	private roundStart = Number.NEGATIVE_INFINITY;

	constructor(maxDatagramSize = INITIAL_MAX_DATAGRAM_SIZE) {
		this.maxDatagramSize = maxDatagramSize;
		// RFC 9002 §7.2: min(10 × size, max(14720, 2 × size)).
		this.window = Math.min(10 * maxDatagramSize, Math.max(14_720, 2 * maxDatagramSize));
	}

	get minimumWindow(): number {
		return 2 * this.maxDatagramSize;
	}

	get inSlowStart(): boolean {
		return this.window < this.slowStartThreshold;
	}

	canSend(bytes: number): boolean {
		return this.bytesInFlight + bytes <= this.window;
	}

	inRecovery(timeSent: number): boolean {
		return timeSent <= this.recoveryStart;
	}

	onPacketSent(bytes: number, _now: number): void {
		this.bytesInFlight += bytes;
		if (this.bytesInFlight > this.peakInFlight) this.peakInFlight = this.bytesInFlight;
	}

	onPacketAcked(bytes: number, timeSent: number, now: number, rtt: RttEstimator): void {
		if (timeSent >= this.roundStart) {
			// A packet sent in the current round was acknowledged: a new round begins.
			this.previousPeak = this.peakInFlight;
			this.peakInFlight = this.bytesInFlight;
			this.roundStart = now;
		}

		this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
		this.lossRate -= this.lossRate / LOSS_RATE_PACKETS;
		this.rtt = rtt;
		if (this.inRecovery(timeSent)) return;
		// Growing the window while the application leaves it unused would license a burst later
		// that the path never proved it carries (RFC 9002 §7.8).
		const windowLimited = 2 * Math.max(this.peakInFlight, this.previousPeak) >= this.window;
		this.grow(bytes, now, rtt, windowLimited);
	}

	onPacketLost(bytes: number): void {
		this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
		this.lossRate += (1 - this.lossRate) / LOSS_RATE_PACKETS;
	}

	onCongestionEvent(timeSent: number, now: number): void {
		if (this.inRecovery(timeSent)) return;
		if (this.lossLooksRandom()) {
			// No cut and no recovery period: with a loss every round trip or two (2 % random loss)
			// either would keep the window near ten datagrams for good.
			this.randomLosses++;
			return;
		}

		this.recoveryStart = now;
		this.congestionEvents++;
		this.reduce(now);
		if (this.window < this.minimumWindow) this.window = this.minimumWindow;
	}

	onPersistentCongestion(now: number): void {
		this.window = this.minimumWindow;
		this.recoveryStart = now;
		this.afterPersistentCongestion();
	}

	setMaxDatagramSize(bytes: number): void {
		this.maxDatagramSize = bytes;
		if (this.window < this.minimumWindow) this.window = this.minimumWindow;
	}

	/** Datagrams this window keeps queued on the path: window × (smoothed − min RTT) / smoothed. */
	private queuedDatagrams(): number {
		const rtt = this.rtt;
		if (!rtt?.hasSample) return Number.POSITIVE_INFINITY;
		return ((this.window / this.maxDatagramSize) * (rtt.smoothed - rtt.min)) / rtt.smoothed;
	}

	/**
	 * Fewer than RANDOM_LOSS_QUEUE datagrams queued (the smoothed RTT barely above its minimum: the
	 * latest sample jitters with the peer's event loop) and rare loss.
	 */
	private lossLooksRandom(): boolean {
		if (!this.toleratesRandomLoss || this.lossRate > RANDOM_LOSS_RATE) return false;
		return this.queuedDatagrams() < RANDOM_LOSS_QUEUE;
	}

	protected afterPersistentCongestion(): void {
		// Subclasses reset their own state.
	}

	/** `windowLimited`: the sender used at least half the window lately (else only shrink). */
	protected abstract grow(
		bytes: number,
		now: number,
		rtt: RttEstimator,
		windowLimited: boolean,
	): void;
	protected abstract reduce(now: number): void;
}
