import {TornetError} from '../errors.js';
import type {AckFrame} from './ack-frame.js';
import type {CongestionController, WindowController} from './congestion.js';
import {RangeSet} from './range-set.js';
import {RateSampler} from './rate-sampler.js';
import {RttEstimator, TIMER_GRANULARITY} from './rtt-estimator.js';
import {
	PACKET_ACKED,
	PACKET_LOST,
	PACKET_OUTSTANDING,
	type SentPacket,
	SentPackets,
} from './sent-packets.js';

const PACKET_THRESHOLD = 3; // RFC 9002 §6.1.1 kPacketThreshold
const MAX_PACKET_THRESHOLD = 32; // reordering beyond this is left to the time threshold
const TIME_THRESHOLD = 9 / 8; // RFC 9002 §6.1.2 kTimeThreshold, × max(smoothed, latest RTT)
const MAX_TIME_THRESHOLD = 2; // adapted upward on spurious losses, never beyond 2 RTTs
const PERSISTENT_CONGESTION_THRESHOLD = 3; // RFC 9002 §7.6.1
const DEFAULT_MAX_PROBES = 10; // consecutive probe timeouts without any ACK before giving up
const MAX_PTO_INTERVAL = 10_000; // ms: backoff stops doubling here, so a retry limit means bounded time
const PROBES_PER_TIMEOUT = 2; // RFC 9002 §6.2.4: one or two ack-eliciting packets
const RECENTLY_LOST_RANGES = 64; // lost packets remembered to recognise late ACKs (spurious loss)

export type RecoveryEvents<C> = {
	/**
	 * The peer acknowledged this packet: release what it carried. `packet.state` is already
	 * ACKED; `spurious` is true when it had been declared lost (its data may have been re-queued).
	 */
	onPacketAcked(packet: SentPacket<C>, spurious: boolean): void;
	/** Declared lost: re-queue what it carried (stream ranges, control frames). */
	onPacketLost(packet: SentPacket<C>): void;
};

export type LossDetectionOptions = {
	/** Consecutive probe timeouts without an ACK before the connection is reported dead. */
	maxProbes?: number;
	firstPacketNumber?: number;
	/** The peer's max_ack_delay (ms). */
	maxAckDelay?: number;
};

export type RecoveryStats = {
	packetsSent: number;
	bytesSent: number;
	packetsAcked: number;
	packetsLost: number;
	bytesLost: number;
	spuriousLosses: number;
	probeTimeouts: number;
	persistentCongestion: number;
};

/**
 * Loss detection and probe timeouts of RFC 9002 §6 (one packet number space, handshake already
 * confirmed by the wire layer): packet and time thresholds, PTO with exponential backoff, and a
 * retry limit after which `error` is set and the connection must close.
 */
export class LossDetection<C = unknown> {
	readonly sent: SentPackets<C>;
	readonly rtt: RttEstimator;
	/** Delivery-rate samples for rate-based controllers (BBR). */
	readonly sampler = new RateSampler();
	congestion: CongestionController;
	readonly stats: RecoveryStats = {
		packetsSent: 0,
		bytesSent: 0,
		packetsAcked: 0,
		packetsLost: 0,
		bytesLost: 0,
		spuriousLosses: 0,
		probeTimeouts: 0,
		persistentCongestion: 0,
	};

	/** Largest packet number the peer acknowledged, -1 before any. */
	largestAcked = -1;
	/** Consecutive probe timeouts since the last ACK that acknowledged something new. */
	ptoCount = 0;
	/** Ack-eliciting packets the sender should send now, even beyond the congestion window. */
	probesPending = 0;
	/** Set when the retry limit is reached; the connection closes with it. */
	error: TornetError | undefined;
	/**
	 * Reordering thresholds, raised whenever a loss proves spurious (RFC 9002 §6.1 allows
	 * adapting them): a path that reorders would otherwise retransmit and cut the window for
	 * packets that were only late.
	 */
	packetThreshold = PACKET_THRESHOLD;
	timeThreshold = TIME_THRESHOLD;
	private lossTime = Number.POSITIVE_INFINITY;
	private lastProgress = Number.NaN;
	private firstSampleTime = Number.NaN;
	private readonly maxProbes: number;
	private readonly events: RecoveryEvents<C>;
	private readonly recentlyLost = new RangeSet(RECENTLY_LOST_RANGES);
	private readonly newlyAcked: number[] = [];

	constructor(
		events: RecoveryEvents<C>,
		congestion: CongestionController,
		options: LossDetectionOptions = {},
	) {
		this.events = events;
		this.congestion = congestion;
		this.rtt = new RttEstimator(options.maxAckDelay);
		this.sent = new SentPackets<C>(options.firstPacketNumber ?? 0);
		this.maxProbes = options.maxProbes ?? DEFAULT_MAX_PROBES;
	}

	/**
	 * Switches the congestion controller mid-connection (e.g. to LEDBAT for background serving):
	 * the new one takes over the bytes in flight and starts from the current window.
	 */
	setCongestion(next: WindowController): void {
		next.bytesInFlight = this.congestion.bytesInFlight;
		next.window = Math.max(this.congestion.window, next.window);
		this.congestion = next;
	}

	/** Whether a packet of `bytes` may be sent now (pacing aside). */
	canSend(bytes: number): boolean {
		if (!this.sent.hasRoom) return false;
		return this.probesPending > 0 || this.congestion.canSend(bytes);
	}

	/**
	 * Records a sent packet. Fill `packet` (from `sent.prepare()`) with what it carries first.
	 * `inFlight`: counts toward the congestion window; true for ack-eliciting (and padded) packets,
	 * false for ACK-only ones (RFC 9002 §2).
	 */
	onPacketSent(
		packet: SentPacket<C>,
		now: number,
		size: number,
		ackEliciting: boolean,
		inFlight = ackEliciting,
	): void {
		this.sent.commit(packet, now, size, ackEliciting, inFlight);
		if (Number.isNaN(this.lastProgress)) this.lastProgress = now;
		this.stats.packetsSent++;
		this.stats.bytesSent += size;
		if (inFlight) {
			this.sampler.onPacketSent(packet, now, this.congestion.bytesInFlight);
			this.congestion.onPacketSent(size, now);
		}

		if (ackEliciting && this.probesPending > 0) this.probesPending--;
	}

	/**
	 * Processes an ACK frame. Returns an error only for a protocol violation (acknowledging a
	 * packet never sent); the caller closes the connection with it.
	 */
	onAck(frame: AckFrame, now: number): TornetError | undefined {
		const ranges = frame.ranges;
		const largest = ranges[0];
		if (largest >= this.sent.next) {
			return TornetError.protocolViolation(`ACK for packet ${largest}, never sent`);
		}

		const newlyAcked = this.newlyAcked;
		newlyAcked.length = 0;
		let ackElicitingAcked = false;
		let ackedBytes = 0;
		let largestTimeSent = Number.NaN;
		// Lowest range first, so streams see their acknowledged bytes mostly in order.
		for (let i = ranges.length - 2; i >= 0; i -= 2) {
			const high = ranges[i];
			const low = ranges[i + 1];
			if (low < this.sent.front && !this.recentlyLost.isEmpty) this.spuriousAcks(low, high);
			const end = Math.min(high, this.sent.next - 1);
			for (let pn = Math.max(low, this.sent.front); pn <= end; pn++) {
				const packet = this.sent.get(pn);
				if (packet?.state !== PACKET_OUTSTANDING) continue;
				this.sent.settle(packet, PACKET_ACKED);
				newlyAcked.push(pn);
				if (packet.ackEliciting) ackElicitingAcked = true;
				if (pn === largest) largestTimeSent = packet.timeSent;
				if (packet.inFlight) {
					this.sampler.onPacketAcked(packet, now);
					ackedBytes += packet.size;
				}

				this.events.onPacketAcked(packet, false);
			}
		}

		if (largest > this.largestAcked) this.largestAcked = largest;
		if (newlyAcked.length === 0) return undefined;
		this.stats.packetsAcked += newlyAcked.length;
		this.lastProgress = now;
		if (!Number.isNaN(largestTimeSent) && ackElicitingAcked) {
			if (!this.rtt.hasSample) this.firstSampleTime = now;
			this.rtt.update(now - largestTimeSent, frame.ackDelay / 1000);
		}

		this.detectLost(now);
		for (const pn of newlyAcked) {
			const packet = this.sent.get(pn)!;
			if (packet.inFlight) {
				this.congestion.onPacketAcked(packet.size, packet.timeSent, now, this.rtt);
			}
		}

		const sample = this.sampler.finish(ackedBytes, this.rtt.min);
		if (sample) this.congestion.onRateSample?.(sample, now, this.rtt);
		this.ptoCount = 0;
		this.sent.advanceFront();
		return undefined;
	}

	/** When `onTimeout` must run next (ms), Infinity when no timer is needed. */
	timerDeadline(): number {
		if (this.lossTime !== Number.POSITIVE_INFINITY) return this.lossTime;
		if (this.sent.ackElicitingOutstanding === 0) return Number.POSITIVE_INFINITY;
		return this.sent.timeOfLastAckEliciting + this.probeTimeout();
	}

	/** Current probe timeout including backoff (ms). */
	probeTimeout(): number {
		return Math.min(this.rtt.pto() * 2 ** this.ptoCount, MAX_PTO_INTERVAL);
	}

	/**
	 * Runs the loss timer or the probe timeout. After a probe timeout `probesPending` says how many
	 * ack-eliciting packets to send (new data, else retransmitted data, else a PING). Returns the
	 * error once the retry limit is reached.
	 */
	onTimeout(now: number): TornetError | undefined {
		if (this.error) return this.error;
		if (this.lossTime <= now) {
			this.detectLost(now);
			this.sent.advanceFront();
			return undefined;
		}

		if (this.timerDeadline() > now) return undefined;
		this.ptoCount++;
		this.stats.probeTimeouts++;
		if (this.ptoCount > this.maxProbes) {
			const seconds = ((now - this.lastProgress) / 1000).toFixed(1);
			this.error = TornetError.connectionClosed(
				`peer unreachable: no acknowledgement after ${this.maxProbes} probes (${seconds} s)`,
			);
			return this.error;
		}

		this.probesPending = PROBES_PER_TIMEOUT;
		return undefined;
	}

	/**
	 * Declares lost every outstanding packet below the largest acknowledged that is packetThreshold
	 * packets (3) or timeThreshold RTTs (9/8) behind it, and arms the loss timer for the first
	 * that is not yet.
	 */
	private detectLost(now: number): void {
		this.lossTime = Number.POSITIVE_INFINITY;
		if (this.largestAcked < 0) return;
		const lossDelay = Math.max(
			this.timeThreshold * Math.max(this.rtt.smoothed, this.rtt.latest),
			TIMER_GRANULARITY,
		);
		const end = Math.min(this.largestAcked, this.sent.next - 1);
		let lastLostTime = Number.NaN;
		let runStart = Number.NaN; // send time of the first packet in a run of losses
		let longestRun = 0;
		let longestRunStart = Number.NaN;
		for (let pn = this.sent.front; pn <= end; pn++) {
			const packet = this.sent.get(pn);
			if (!packet) continue;
			if (packet.state === PACKET_ACKED) {
				runStart = Number.NaN;
				continue;
			}

			if (packet.state !== PACKET_OUTSTANDING) continue;
			// The expression the loss timer is set from, so a timer firing at lossTime finds its loss.
			if (packet.timeSent + lossDelay > now && pn + this.packetThreshold > this.largestAcked) {
				// Every later packet is newer and closer to the largest acknowledged: none is lost yet.
				this.lossTime = packet.timeSent + lossDelay;
				break;
			}

			// Which threshold declared it, so a spurious loss adapts the right one.
			packet.lossDistance =
				pn + this.packetThreshold <= this.largestAcked ? this.largestAcked - pn : -1;
			this.markLost(packet);
			if (packet.isMtuProbe || !packet.inFlight) continue;
			lastLostTime = packet.timeSent;
			if (Number.isNaN(runStart)) runStart = packet.timeSent;
			if (packet.timeSent - runStart > longestRun) {
				longestRun = packet.timeSent - runStart;
				longestRunStart = runStart;
			}
		}

		if (Number.isNaN(lastLostTime)) return;
		this.congestion.onCongestionEvent(lastLostTime, now);
		const persistent =
			(this.rtt.smoothed + Math.max(4 * this.rtt.variance, 1) + this.rtt.maxAckDelay) *
			PERSISTENT_CONGESTION_THRESHOLD;
		if (this.rtt.hasSample && longestRunStart > this.firstSampleTime && longestRun > persistent) {
			this.stats.persistentCongestion++;
			this.congestion.onPersistentCongestion(now);
		}
	}

	private markLost(packet: SentPacket<C>): void {
		this.sent.settle(packet, PACKET_LOST);
		if (packet.inFlight) {
			// ACK-only packets are not counted: the peer acknowledges them only in passing.
			this.congestion.onPacketLost(packet.size);
			this.stats.packetsLost++;
			this.stats.bytesLost += packet.size;
		}

		this.recentlyLost.add(packet.packetNumber, packet.packetNumber + 1);
		this.events.onPacketLost(packet);
	}

	private adaptThresholds(distance: number): void {
		if (distance >= 0) {
			this.packetThreshold = Math.min(
				Math.max(this.packetThreshold, distance + 1),
				MAX_PACKET_THRESHOLD,
			);
		} else {
			// Lost by the time threshold: the packet was later than 9/8 RTT, not out of order.
			this.timeThreshold = Math.min(this.timeThreshold + 1 / 8, MAX_TIME_THRESHOLD);
		}
	}

	/** ACKs for packets already declared lost: the loss was spurious (reordering, a slow ACK). */
	private spuriousAcks(low: number, high: number): void {
		const {starts, ends} = this.recentlyLost;
		const top = Math.min(high + 1, this.sent.front);
		for (let i = this.recentlyLost.indexEndingAfter(low); i < starts.length; i++) {
			if (starts[i] >= top) break;
			const end = Math.min(ends[i], top);
			for (let pn = Math.max(starts[i], low); pn < end; pn++) {
				const packet = this.sent.get(pn);
				if (packet?.state !== PACKET_LOST) continue;
				packet.state = PACKET_ACKED;
				this.stats.spuriousLosses++;
				this.adaptThresholds(packet.lossDistance);
				this.events.onPacketAcked(packet, true);
			}
		}

		this.recentlyLost.remove(low, top);
	}
}
