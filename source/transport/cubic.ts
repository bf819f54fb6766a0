import {WindowController} from './congestion.js';
import type {RttEstimator} from './rtt-estimator.js';

const C = 0.4; // RFC 9438 §5: window growth constant, in datagrams per second³
const BETA = 0.7; // multiplicative decrease factor
const ALPHA = (3 * (1 - BETA)) / (1 + BETA); // Reno-friendly additive increase (§4.3)

/**
 * CUBIC (RFC 9438): after a loss the window grows along a cubic curve centred on the window where
 * the loss happened, which fills long fat paths far faster than NewReno's one datagram per round
 * trip, and never grows slower than Reno would (the Reno-friendly region).
 */
export class Cubic extends WindowController {
	readonly name = 'cubic';
	protected override toleratesRandomLoss = true;
	/** Window before the last reduction, in bytes. */
	private windowMax = 0;
	/** Time (s) the cubic curve takes to climb back to windowMax. */
	private k = 0;
	/** Start of the current congestion-avoidance epoch; NaN until the first ACK in it. */
	private epochStart = Number.NaN;
	/** Reno-friendly estimate of the window, in bytes. */
	private renoWindow = 0;

	protected grow(bytes: number, now: number, rtt: RttEstimator, windowLimited: boolean): void {
		if (!windowLimited) return;
		if (this.inSlowStart) {
			this.window += bytes;
			return;
		}

		const size = this.maxDatagramSize;
		if (Number.isNaN(this.epochStart)) {
			this.epochStart = now;
			if (this.window < this.windowMax) {
				this.k = Math.cbrt((this.windowMax - this.window) / size / C);
			} else {
				this.k = 0;
				this.windowMax = this.window;
			}

			this.renoWindow = this.window;
		}

		// Aim one round trip ahead, never more than 1.5× the current window (§4.2).
		const t = (now - this.epochStart + rtt.smoothed) / 1000;
		const cubic = C * size * (t - this.k) ** 3 + this.windowMax;
		const target = Math.min(Math.max(cubic, this.window), 1.5 * this.window);
		this.renoWindow += (ALPHA * size * bytes) / this.window;
		if (this.renoWindow > target) {
			this.window = Math.max(this.window, this.renoWindow);
		} else {
			this.window += ((target - this.window) * bytes) / this.window;
		}
	}

	protected reduce(): void {
		// Fast convergence (§4.7): a flow losing ground releases bandwidth to newcomers sooner.
		this.windowMax = this.window < this.windowMax ? (this.window * (1 + BETA)) / 2 : this.window;
		this.slowStartThreshold = Math.max(this.window * BETA, this.minimumWindow);
		this.window = this.slowStartThreshold;
		this.epochStart = Number.NaN;
	}

	protected override afterPersistentCongestion(): void {
		this.windowMax = 0;
		this.epochStart = Number.NaN;
	}
}
