import type {SentPacket} from './sent-packets.js';

/**
 * One delivery-rate sample per ACK (draft-cheng-iccrg-delivery-rate-estimation): bytes delivered
 * between sending the newest acknowledged packet and acknowledging it, over the longer of the
 * send and ACK intervals (so ACK compression cannot inflate it). The object is reused.
 */
export type RateSample = {
	/** Bytes per millisecond; 0 when the interval was too short to say. */
	deliveryRate: number;
	/** The sender ran out of data while the sampled packets were in flight: a floor, not a measure. */
	isAppLimited: boolean;
	/** `delivered` when the newest acknowledged packet was sent (round counting uses it). */
	priorDelivered: number;
	/** Bytes acknowledged by this ACK. */
	ackedBytes: number;
	/** Bytes acknowledged over the connection, this ACK included. */
	delivered: number;
	/** RTT of the newest acknowledged packet (ms). */
	rtt: number;
	interval: number;
};

/**
 * Delivery-rate estimation for rate-based congestion control (BBR). Stamps each sent packet with
 * the connection's delivery counters and turns the packets an ACK covers into a RateSample.
 */
export class RateSampler {
	/** Bytes acknowledged over the connection. */
	delivered = 0;
	/** When `delivered` last grew. */
	deliveredTime = 0;
	/** Send time of the newest acknowledged packet: start of the current send interval. */
	firstSentTime = 0;
	/** Non-zero while the sender is application-limited: `delivered` value that ends the phase. */
	appLimited = 0;
	readonly sample: RateSample = {
		deliveryRate: 0,
		isAppLimited: false,
		priorDelivered: 0,
		ackedBytes: 0,
		delivered: 0,
		rtt: 0,
		interval: 0,
	};

	private priorTime = 0;
	private sendElapsed = 0;
	private newestTimeSent = Number.NEGATIVE_INFINITY;
	private hasPacket = false;

	/** Stamp an in-flight packet as it is sent; `bytesInFlight` before it counts. */
	onPacketSent(packet: SentPacket<unknown>, now: number, bytesInFlight: number): void {
		if (bytesInFlight === 0) {
			// Restarting from idle: the intervals start now, not at the last ACK long ago.
			this.firstSentTime = now;
			this.deliveredTime = now;
		}

		packet.delivered = this.delivered;
		packet.deliveredTime = this.deliveredTime;
		packet.firstSentTime = this.firstSentTime;
		packet.appLimited = this.appLimited !== 0;
	}

	/** The sender has nothing to send and room in its window. */
	onAppLimited(bytesInFlight: number): void {
		this.appLimited = Math.max(this.delivered + bytesInFlight, 1);
	}

	/** Call for each in-flight packet an ACK newly acknowledges, then `finish`. */
	onPacketAcked(packet: SentPacket<unknown>, now: number): void {
		this.delivered += packet.size;
		this.deliveredTime = now;
		if (!this.hasPacket || packet.delivered >= this.sample.priorDelivered) {
			// The newest packet (largest delivered count) of this ACK decides the sample.
			const sample = this.sample;
			sample.priorDelivered = packet.delivered;
			sample.isAppLimited = packet.appLimited;
			sample.rtt = now - packet.timeSent;
			this.priorTime = packet.deliveredTime;
			this.sendElapsed = packet.timeSent - packet.firstSentTime;
			this.newestTimeSent = packet.timeSent;
			this.hasPacket = true;
		}
	}

	/** The sample for the packets since the last call, or undefined when none was in flight. */
	finish(ackedBytes: number, minRtt: number): RateSample | undefined {
		if (!this.hasPacket) return undefined;
		this.hasPacket = false;
		this.firstSentTime = this.newestTimeSent;
		if (this.appLimited !== 0 && this.delivered > this.appLimited) this.appLimited = 0;
		const sample = this.sample;
		sample.ackedBytes = ackedBytes;
		sample.delivered = this.delivered;
		const ackElapsed = this.deliveredTime - this.priorTime;
		const interval = Math.max(this.sendElapsed, ackElapsed);
		sample.interval = interval;
		// An interval shorter than the minimum RTT cannot be a full measure (RFC draft §3.3).
		sample.deliveryRate =
			interval > 0 && interval >= minRtt ? (this.delivered - sample.priorDelivered) / interval : 0;
		return sample;
	}
}
