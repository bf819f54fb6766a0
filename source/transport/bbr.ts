import {WindowController} from './congestion.js';
import type {RateSample} from './rate-sampler.js';
import type {RttEstimator} from './rtt-estimator.js';

const HIGH_GAIN = 2 / Math.LN2; // 2.89: startup doubles the delivery rate every round trip
const DRAIN_GAIN = 1 / HIGH_GAIN; // drains the queue startup built, in about one round
const CWND_GAIN = 2; // window = 2 × BDP: room for delayed and aggregated ACKs
/** ProbeBW's gain cycle, one phase per min RTT: probe up, drain what probing queued, cruise. */
export const PACING_GAINS = [1.25, 0.75, 1, 1, 1, 1, 1, 1] as const;
const BANDWIDTH_ROUNDS = 10; // bottleneck bandwidth = max delivery rate over this many rounds
export const MIN_RTT_WINDOW = 10_000; // ms a min RTT stays valid before ProbeRTT re-measures it
export const PROBE_RTT_MS = 200; // ms ProbeRTT holds the window at MIN_PIPE_PACKETS
const MIN_PIPE_PACKETS = 4; // the smallest window (datagrams): keeps ACKs flowing
const FULL_BANDWIDTH_GROWTH = 1.25; // startup ends when a round grows the rate less than this…
export const FULL_BANDWIDTH_ROUNDS = 3; // …this many rounds in a row
const AGGREGATION_ROUNDS = 5; // rounds per half of the two-slot ACK-aggregation filter
const MAX_AGGREGATION_MS = 100; // extra window for ACK aggregation: at most this long at btlBw
const RESET_AGGREGATION_BYTES = 1 << 20;
const PACING_MARGIN = 0.99; // pace 1 % under the estimate so a queue drains rather than builds
/**
 * The sender wakes on Node timers (1 ms at best) and ACKs come once per batch of packets, so a
 * window smaller than this much sending at the bottleneck rate would idle the path between
 * wake-ups on sub-millisecond paths (loopback, a LAN) whatever the min RTT says.
 */
const MIN_WINDOW_MS = 2;

export const BbrState = {
	startup: 'startup',
	drain: 'drain',
	probeBandwidth: 'probe-bandwidth',
	probeRtt: 'probe-rtt',
} as const;
export type BbrState = (typeof BbrState)[keyof typeof BbrState];

/**
 * BBR (Cardwell et al. 2016; v1 as in Linux tcp_bbr.c): a model of the path instead of a reaction
 * to loss. Bottleneck bandwidth is the windowed maximum of delivery-rate samples (10 rounds),
 * propagation delay the minimum RTT (10 s); the sender paces at gain × bandwidth and keeps at most
 * 2 × bandwidth × min RTT in flight. Startup doubles the rate each round until it stops growing,
 * Drain empties the queue that made, ProbeBW cycles the gain (1.25, 0.75, then cruise) to find
 * more bandwidth, ProbeRTT shrinks the window for 200 ms when the min RTT is 10 s old.
 *
 * Random loss (a lossy radio hop, the bench's relay) does not shrink the window: loss-based
 * controllers collapse there (Mathis: 2 % loss caps Reno near 9 datagrams per RTT), BBR keeps the
 * measured rate. Lost data is retransmitted all the same.
 */
export class Bbr extends WindowController {
	readonly name = 'bbr';
	state: BbrState = BbrState.startup;
	pacingGain = HIGH_GAIN;
	cwndGain = HIGH_GAIN;
	/** Round trips counted by delivered data (a packet sent after the round began was acknowledged). */
	roundCount = 0;
	/** Startup found the bandwidth: it grew less than 25 % for three rounds. */
	filledPipe = false;
	minRtt = Number.POSITIVE_INFINITY;
	cycleIndex = 0;
	private readonly random: () => number;
	private readonly bandwidthSlots = new Float64Array(BANDWIDTH_ROUNDS);
	private bandwidthRound = 0;
	private nextRoundDelivered = 0;
	private newRound = false;
	private fullBandwidth = 0;
	private fullBandwidthCount = 0;
	private minRttStamp = Number.POSITIVE_INFINITY;
	private cycleStamp = 0;
	private probeRttDone = Number.NaN;
	private probeRttRoundDone = false;
	private priorWindow = 0;
	private pacing = 0;
	private delivered = 0;
	private readonly extraAcked = new Float64Array(2);
	private extraAckedIndex = 0;
	private extraAckedRounds = 0;
	private ackEpochStart = Number.NaN;
	private ackEpochAcked = 0;

	/** `random` picks the ProbeBW phase to start in (injectable for tests). */
	constructor(maxDatagramSize?: number, random: () => number = Math.random) {
		super(maxDatagramSize);
		this.random = random;
	}

	/** Bottleneck bandwidth estimate, bytes per ms (0 before the first sample). */
	get bandwidth(): number {
		let max = 0;
		for (const value of this.bandwidthSlots) if (value > max) max = value;
		return max;
	}

	/** Bytes per ms; undefined before the first bandwidth sample (the sender paces on the window). */
	get pacingRate(): number | undefined {
		return this.pacing > 0 ? this.pacing : undefined;
	}

	override onCongestionEvent(timeSent: number, now: number): void {
		if (this.inRecovery(timeSent)) return;
		this.recoveryStart = now;
		this.randomLosses++;
	}

	override onPersistentCongestion(now: number): void {
		// Everything in flight for several PTOs was lost: restart from a small window; the model
		// (bandwidth, min RTT) grows it back within a round once ACKs return.
		this.recoveryStart = now;
		this.window = this.minPipe;
	}

	onRateSample(sample: RateSample, now: number, _rtt: RttEstimator): void {
		this.delivered = sample.delivered;
		this.updateRound(sample);
		this.updateBandwidth(sample);
		this.updateAggregation(sample, now);
		this.updateCycle(now);
		this.checkFullPipe(sample);
		this.checkDrain(now);
		this.updateMinRtt(sample, now);
		this.updatePacing();
		this.updateWindow(sample.ackedBytes);
	}

	/** Bytes in flight that keep `gain` × the bandwidth-delay product. */
	inflight(gain: number): number {
		const bandwidth = this.bandwidth;
		if (bandwidth === 0 || this.minRtt === Number.POSITIVE_INFINITY) {
			return Math.max(this.initialWindow, this.minPipe);
		}

		return Math.max(gain * bandwidth * Math.max(this.minRtt, MIN_WINDOW_MS), this.minPipe);
	}

	protected grow(): void {
		// The window is set per rate sample (updateWindow), not per acknowledged packet.
	}

	protected reduce(): void {
		// Loss does not reduce the window (onCongestionEvent).
	}

	private get minPipe(): number {
		return MIN_PIPE_PACKETS * this.maxDatagramSize;
	}

	private get initialWindow(): number {
		return Math.min(10 * this.maxDatagramSize, Math.max(14_720, 2 * this.maxDatagramSize));
	}

	private updateRound(sample: RateSample): void {
		this.newRound = false;
		if (sample.priorDelivered < this.nextRoundDelivered) return;
		this.nextRoundDelivered = sample.delivered;
		this.roundCount++;
		this.newRound = true;
	}

	private updateBandwidth(sample: RateSample): void {
		// A new slot every round; the filter spans BANDWIDTH_ROUNDS rounds.
		while (this.bandwidthRound < this.roundCount) {
			this.bandwidthRound++;
			this.bandwidthSlots[this.bandwidthRound % BANDWIDTH_ROUNDS] = 0;
		}

		const rate = sample.deliveryRate;
		if (rate <= 0) return;
		// An application-limited sample only counts when it beats the estimate (it is a floor).
		if (sample.isAppLimited && rate < this.bandwidth) return;
		const slot = this.bandwidthRound % BANDWIDTH_ROUNDS;
		if (rate > this.bandwidthSlots[slot]) this.bandwidthSlots[slot] = rate;
	}

	/**
	 * ACKs arrive in bursts (the receiver answers once per batch of packets, event loops stall):
	 * the window gets what arrived beyond the bandwidth's share of an epoch, or the sender idles
	 * between bursts. Linux's bbr_update_ack_aggregation.
	 */
	private updateAggregation(sample: RateSample, now: number): void {
		if (sample.ackedBytes <= 0) return;
		if (this.newRound && ++this.extraAckedRounds >= AGGREGATION_ROUNDS) {
			this.extraAckedIndex ^= 1;
			this.extraAcked[this.extraAckedIndex] = 0;
			this.extraAckedRounds = 0;
		}

		let expected = Number.isNaN(this.ackEpochStart)
			? 0
			: this.bandwidth * (now - this.ackEpochStart);
		if (
			Number.isNaN(this.ackEpochStart) ||
			this.ackEpochAcked <= expected ||
			this.ackEpochAcked + sample.ackedBytes >= RESET_AGGREGATION_BYTES
		) {
			this.ackEpochAcked = 0;
			this.ackEpochStart = now;
			expected = 0;
		}

		this.ackEpochAcked += sample.ackedBytes;
		const extra = Math.min(this.ackEpochAcked - expected, this.window);
		if (extra > this.extraAcked[this.extraAckedIndex]) {
			this.extraAcked[this.extraAckedIndex] = extra;
		}
	}

	private get aggregationAllowance(): number {
		const extra = Math.max(this.extraAcked[0], this.extraAcked[1]);
		return Math.min(extra, this.bandwidth * MAX_AGGREGATION_MS);
	}

	private checkFullPipe(sample: RateSample): void {
		if (this.filledPipe || !this.newRound || sample.isAppLimited) return;
		const bandwidth = this.bandwidth;
		if (bandwidth >= this.fullBandwidth * FULL_BANDWIDTH_GROWTH) {
			this.fullBandwidth = bandwidth;
			this.fullBandwidthCount = 0;
			return;
		}

		if (++this.fullBandwidthCount < FULL_BANDWIDTH_ROUNDS) return;
		this.filledPipe = true;
		if (this.state === BbrState.startup) {
			this.state = BbrState.drain;
			this.pacingGain = DRAIN_GAIN;
			this.cwndGain = HIGH_GAIN;
		}
	}

	private checkDrain(now: number): void {
		if (this.state === BbrState.drain && this.bytesInFlight <= this.inflight(1)) {
			this.enterProbeBandwidth(now);
		}
	}

	private enterProbeBandwidth(now: number): void {
		this.state = BbrState.probeBandwidth;
		this.cwndGain = CWND_GAIN;
		// Start in a random phase other than the 0.75 one (which would drain an empty queue).
		const phase = Math.floor(this.random() * (PACING_GAINS.length - 1));
		this.cycleIndex = phase === 0 ? 0 : phase + 1;
		this.cycleStamp = now;
		this.pacingGain = PACING_GAINS[this.cycleIndex];
	}

	private updateCycle(now: number): void {
		if (this.state !== BbrState.probeBandwidth) return;
		const inflight = this.bytesInFlight;
		let next = now - this.cycleStamp > this.minRtt;
		// Probing up lasts until it put 1.25 × BDP in flight; draining ends once below 1 × BDP.
		if (this.pacingGain > 1) next &&= inflight >= this.inflight(this.pacingGain);
		else if (this.pacingGain < 1) next ||= inflight <= this.inflight(1);
		if (!next) return;
		this.cycleIndex = (this.cycleIndex + 1) % PACING_GAINS.length;
		this.cycleStamp = now;
		this.pacingGain = PACING_GAINS[this.cycleIndex];
	}

	private updateMinRtt(sample: RateSample, now: number): void {
		if (this.minRttStamp === Number.POSITIVE_INFINITY) this.minRttStamp = now;
		const expired = now - this.minRttStamp > MIN_RTT_WINDOW;
		if (sample.rtt >= 0 && (sample.rtt < this.minRtt || expired)) {
			this.minRtt = sample.rtt;
			this.minRttStamp = now;
		}

		// Not refreshed for MIN_RTT_WINDOW: the queue we keep may hide a shorter path; drain it.
		if (expired && this.state !== BbrState.probeRtt) this.enterProbeRtt();

		if (this.state === BbrState.probeRtt) this.handleProbeRtt(now);
	}

	private enterProbeRtt(): void {
		this.state = BbrState.probeRtt;
		this.pacingGain = 1;
		this.cwndGain = 1;
		this.priorWindow = Math.max(this.priorWindow, this.window);
		this.probeRttDone = Number.NaN;
	}

	private handleProbeRtt(now: number): void {
		if (Number.isNaN(this.probeRttDone)) {
			if (this.bytesInFlight <= this.minPipe) {
				this.probeRttDone = now + PROBE_RTT_MS;
				this.probeRttRoundDone = false;
				this.nextRoundDelivered = this.delivered;
			}

			return;
		}

		if (this.newRound) this.probeRttRoundDone = true;
		if (!this.probeRttRoundDone || now < this.probeRttDone) return;
		this.minRttStamp = now;
		this.window = Math.max(this.window, this.priorWindow);
		this.priorWindow = 0;
		if (this.filledPipe) {
			this.enterProbeBandwidth(now);
		} else {
			this.state = BbrState.startup;
			this.pacingGain = HIGH_GAIN;
			this.cwndGain = HIGH_GAIN;
		}
	}

	private updatePacing(): void {
		const bandwidth = this.bandwidth;
		if (bandwidth === 0) return;
		const rate = this.pacingGain * bandwidth * PACING_MARGIN;
		// During startup the rate only rises: one slow sample must not stall the ramp.
		if (this.filledPipe || rate > this.pacing) this.pacing = rate;
	}

	private updateWindow(acked: number): void {
		if (this.state === BbrState.probeRtt) {
			this.window = this.minPipe;
			return;
		}

		let target = this.inflight(this.cwndGain);
		if (this.filledPipe) target += this.aggregationAllowance;
		if (this.filledPipe) {
			this.window = Math.min(this.window + acked, target);
		} else if (this.window < target || this.delivered < 10 * this.maxDatagramSize) {
			this.window += acked;
		}

		if (this.window < this.minPipe) this.window = this.minPipe;
	}
}
