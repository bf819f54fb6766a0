import {WindowController} from './congestion.js';

const LOSS_REDUCTION = 0.5; // RFC 9002 §7.3.2 kLossReductionFactor

/** NewReno as in RFC 9002 §7: slow start, then one datagram per window of acknowledged bytes. */
export class NewReno extends WindowController {
	readonly name = 'newreno';
	private ackedInAvoidance = 0;

	protected grow(bytes: number, _now: number, _rtt: unknown, windowLimited: boolean): void {
		if (!windowLimited) return;
		if (this.inSlowStart) {
			this.window += bytes;
			return;
		}

		// Byte counting: one datagram per window's worth of acknowledged bytes.
		this.ackedInAvoidance += bytes;
		if (this.ackedInAvoidance >= this.window) {
			this.ackedInAvoidance -= this.window;
			this.window += this.maxDatagramSize;
		}
	}

	protected reduce(): void {
		this.slowStartThreshold = Math.max(this.window * LOSS_REDUCTION, this.minimumWindow);
		this.window = this.slowStartThreshold;
		this.ackedInAvoidance = 0;
	}
}
