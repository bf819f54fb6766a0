import {type AckFrame, createAckFrame, MAX_ACK_RANGES} from './ack-frame.js';
import {RangeSet} from './range-set.js';
import {varintLength} from '../util/varint.js';

export const DEFAULT_MAX_ACK_DELAY = 25; // ms, RFC 9000 §18.2 default; the peer adds it to its PTO
const DEFAULT_ACK_THRESHOLD = 2; // ack-eliciting packets per ACK (RFC 9000 §13.2.2)
const DEFAULT_MAX_RANGES = MAX_ACK_RANGES; // remembered ranges; older ones are forgotten
const DEFAULT_ACK_BYTES = 320; // room for ~64 ranges with 2-byte gaps and lengths

export type ReceivedPacketsOptions = {
	maxAckDelay?: number;
	/** Send an ACK once this many ack-eliciting packets arrived since the last one. */
	ackElicitingThreshold?: number;
	maxRanges?: number;
};

/**
 * The receiver's side of acknowledgement: which packet numbers arrived (as ranges, bounded), when
 * an ACK is due, and the ACK frame itself with as many ranges as fit.
 */
export class ReceivedPackets {
	readonly ranges: RangeSet;
	readonly maxAckDelay: number;
	/** Mutable: a connection raises it at high packet rates, where an ACK per two packets costs. */
	ackElicitingThreshold: number;
	/** Largest packet number received, -1 before the first. */
	largest = -1;
	duplicates = 0;
	private largestTime = 0;
	/** Packets at or below this are duplicates or too old to matter (after ack-of-ack pruning). */
	private forgottenBelow = 0;
	private unackedEliciting = 0;
	private firstUnackedTime = Number.POSITIVE_INFINITY;
	private immediate = false;
	private unacked = false;
	private readonly frame: AckFrame = createAckFrame();

	constructor(options: ReceivedPacketsOptions = {}) {
		this.maxAckDelay = options.maxAckDelay ?? DEFAULT_MAX_ACK_DELAY;
		this.ackElicitingThreshold = options.ackElicitingThreshold ?? DEFAULT_ACK_THRESHOLD;
		this.ranges = new RangeSet(options.maxRanges ?? DEFAULT_MAX_RANGES);
	}

	/** True for a packet number already received (or too old to tell): skip its frames. */
	isDuplicate(packetNumber: number): boolean {
		return (
			packetNumber < this.forgottenBelow ||
			packetNumber < this.ranges.floor ||
			this.ranges.has(packetNumber)
		);
	}

	/**
	 * Records an authenticated packet. False for a duplicate (or a packet too old to tell): the caller
	 * ignores its frames.
	 */
	onPacket(packetNumber: number, ackEliciting: boolean, now: number): boolean {
		if (this.isDuplicate(packetNumber)) {
			this.duplicates++;
			return false;
		}

		const previousLargest = this.largest;
		this.ranges.add(packetNumber, packetNumber + 1);
		if (packetNumber > this.largest) {
			this.largest = packetNumber;
			this.largestTime = now;
		}

		this.unacked = true;
		if (ackEliciting) {
			this.unackedEliciting++;
			if (this.firstUnackedTime === Number.POSITIVE_INFINITY) this.firstUnackedTime = now;
			// Reordering or a new gap: tell the sender at once so its loss detection sees it
			// (RFC 9000 §13.2.1).
			const outOfOrder =
				previousLargest >= 0 &&
				(packetNumber < previousLargest || packetNumber > previousLargest + 1);
			if (outOfOrder || this.unackedEliciting >= this.ackElicitingThreshold) {
				this.immediate = true;
			}
		}

		return true;
	}

	/** True when something new could be acknowledged (an ACK may ride along on any packet). */
	get hasUnacked(): boolean {
		return this.unacked;
	}

	/**
	 * When an ACK must be sent: -Infinity means now, +Infinity means no ACK is due (packets that
	 * do not elicit one wait to ride along).
	 */
	ackDeadline(): number {
		if (this.immediate) return Number.NEGATIVE_INFINITY;
		if (this.unackedEliciting === 0) return Number.POSITIVE_INFINITY;
		return this.firstUnackedTime + this.maxAckDelay;
	}

	shouldSendAck(now: number): boolean {
		return this.ackDeadline() <= now;
	}

	/**
	 * The ACK frame for the current state (highest ranges first, as many as fit in `maxBytes`),
	 * or undefined when nothing was received. The returned object is reused by the next call.
	 */
	buildAck(now: number, maxBytes = DEFAULT_ACK_BYTES): AckFrame | undefined {
		const {starts, ends} = this.ranges;
		let i = starts.length - 1;
		if (i < 0) return undefined;
		const frame = this.frame;
		const ranges = frame.ranges;
		ranges.length = 0;
		frame.ackDelay = Math.max(0, Math.round((now - this.largestTime) * 1000));
		const largest = ends[i] - 1;
		let length =
			1 +
			varintLength(largest) +
			varintLength(frame.ackDelay) +
			2 +
			varintLength(largest - starts[i]);
		if (length > maxBytes) return undefined;
		ranges.push(largest, starts[i]);
		for (i--; i >= 0 && ranges.length < 2 * MAX_ACK_RANGES; i--) {
			const high = ends[i] - 1;
			const extra =
				varintLength(ranges[ranges.length - 1] - high - 2) + varintLength(high - starts[i]);
			if (length + extra > maxBytes) break;
			length += extra;
			ranges.push(high, starts[i]);
		}

		return frame;
	}

	/** Call when a packet carrying an ACK frame was sent. */
	onAckSent(): void {
		this.unackedEliciting = 0;
		this.firstUnackedTime = Number.POSITIVE_INFINITY;
		this.immediate = false;
		this.unacked = false;
	}

	/**
	 * The peer acknowledged a packet of ours that carried an ACK whose largest acknowledged was
	 * `largest`: it knows about everything up to there, so those ranges need not be repeated
	 * (RFC 9000 §13.2.4). This keeps ACK frames short on long transfers.
	 */
	onAckAcknowledged(largest: number): void {
		if (largest + 1 <= this.forgottenBelow) return;
		this.forgottenBelow = largest + 1;
		this.ranges.removeBelow(largest + 1);
	}
}
