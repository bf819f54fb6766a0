import type {TornetError} from '../errors.js';
import {HEADER_BYTES} from '../wire/header-protection.js';
import {TAG_BYTES} from '../wire/session.js';
import {type AckFrame, encodeAck} from './ack-frame.js';
import type {ControlFrame} from './control-frames.js';
import {type CongestionKind, createCongestionController} from './controllers.js';
import {FrameType, writeDatagramFrame, datagramFrameLength} from './frames.js';
import {LossDetection} from './loss-detection.js';
import {BASE_PLPMTU, MtuProbe} from './mtu-probe.js';
import {Pacer} from './pacer.js';
import {ReceivedPackets} from './received-packets.js';
import type {SentPacket} from './sent-packets.js';
import type {StreamTable} from './stream-table.js';

/** Small packets get up to this much random padding, so their lengths say little about content. */
const MAX_RANDOM_PADDING = 64;
/** Only packets shorter than this are padded: a full data packet says nothing by its length. */
const PAD_BELOW = 256;
/** Datagrams waiting for congestion window; beyond this the oldest are dropped (they are unreliable). */
const MAX_QUEUED_DATAGRAMS = 256;
/**
 * How long a receiver may hold an ACK for an ack-eliciting packet (ms); both ends assume it (the
 * sender adds it to its probe timeout). QUIC's default is 25 ms, but with a window of a few packets
 * (heavy loss) a lost tail packet waits a probe timeout, and 25 ms of it dwarfed LAN round trips.
 */
export const MAX_ACK_DELAY = 5;
const ACK_EVERY_SLOW = 2; // ack-eliciting packets per ACK at low rates (RFC 9000 §13.2.2)
const ACK_EVERY_FAST = 10; // …and at high rates, where each ACK costs the receiver a packet's CPU
const FAST_ARRIVALS_MS = 0.25; // mean gap between packets below which the rate counts as high
const MAX_PACKETS_PER_FLUSH = 4096; // yield the event loop now and then, even with window to burn

export type SenderLink = {
	/** Bytes that may still be sent before the peer proved its address (Infinity once it has). */
	budget(): number;
	/**
	 * A buffer for one datagram of up to `size` bytes: frames are written from HEADER_BYTES on and
	 * sealed in place, so the plaintext is never copied.
	 */
	reserve(size: number): Uint8Array;
	/** Seals buffer[HEADER_BYTES, end) as `packetNumber` and sends it; returns the datagram size. */
	transmit(packetNumber: number, buffer: Uint8Array, end: number): number;
};

export type SenderOptions = {
	congestion: CongestionKind;
	/** Largest datagram path MTU probing may try; BASE_PLPMTU disables probing. */
	mtuCeiling: number;
	/** Probe timeouts in a row without an acknowledgement before the connection is declared dead. */
	maxProbes?: number;
};

/**
 * Everything about sending of one connection: builds packets (ACK, control frames, datagrams,
 * stream data, MTU probes, probe-timeout PINGs), drives loss detection, congestion control,
 * pacing and the receiver's acknowledgement schedule, and says when it must run next.
 */
export class PacketSender {
	readonly recovery: LossDetection<ControlFrame>;
	readonly received = new ReceivedPackets({
		ackElicitingThreshold: ACK_EVERY_SLOW,
		maxAckDelay: MAX_ACK_DELAY,
	});
	readonly pacer = new Pacer(BASE_PLPMTU);
	readonly mtu: MtuProbe;
	/** Current datagram size for full packets (the confirmed path MTU). */
	packetSize = BASE_PLPMTU;
	datagramsDropped = 0;
	private pingWanted = false;
	private readonly streams: StreamTable;
	private readonly link: SenderLink;
	private readonly datagrams: Uint8Array[] = [];
	private lastArrival = Number.NaN;
	private meanGap = 1;

	constructor(streams: StreamTable, link: SenderLink, options: SenderOptions) {
		this.streams = streams;
		this.link = link;
		this.mtu = new MtuProbe(options.mtuCeiling);
		this.recovery = new LossDetection<ControlFrame>(
			{
				onPacketAcked: (packet) => {
					this.onPacketAcked(packet);
				},
				onPacketLost: (packet) => {
					this.onPacketLost(packet);
				},
			},
			createCongestionController(options.congestion, BASE_PLPMTU),
			{maxProbes: options.maxProbes, maxAckDelay: this.received.maxAckDelay},
		);
	}

	setCongestion(kind: CongestionKind): void {
		const next = createCongestionController(kind, this.packetSize);
		this.recovery.setCongestion(next);
	}

	/** An authenticated packet arrived and its frames were handled. */
	onPacketReceived(packetNumber: number, ackEliciting: boolean, now: number): void {
		if (ackEliciting) {
			// Fewer ACKs when packets stream in: the sender's window does not need one per two.
			if (!Number.isNaN(this.lastArrival)) {
				this.meanGap = 0.875 * this.meanGap + 0.125 * (now - this.lastArrival);
			}

			this.lastArrival = now;
			this.received.ackElicitingThreshold =
				this.meanGap < FAST_ARRIVALS_MS ? ACK_EVERY_FAST : ACK_EVERY_SLOW;
		}

		this.received.onPacket(packetNumber, ackEliciting, now);
	}

	onAck(frame: AckFrame, now: number): TornetError | undefined {
		return this.recovery.onAck(frame, now);
	}

	/** A PING goes out with the next packet (keepalive, or the initiator's first packet). */
	ping(): void {
		this.pingWanted = true;
	}

	/**
	 * Something still waits to be sent or acknowledged: stream data (and FINs) not yet
	 * acknowledged, control frames, datagrams. A graceful close waits until this is false.
	 */
	get hasPending(): boolean {
		return this.wantsToSend() || this.streams.unacknowledged;
	}

	/** Queues an unreliable datagram; false when it was dropped. */
	queueDatagram(data: Uint8Array): boolean {
		this.datagrams.push(data);
		if (this.datagrams.length <= MAX_QUEUED_DATAGRAMS) return true;
		this.datagrams.shift();
		this.datagramsDropped++;
		return false;
	}

	/** Runs the loss timer or probe timeout when due; an error means the peer is gone. */
	onTimer(now: number): TornetError | undefined {
		if (this.recovery.timerDeadline() > now) return undefined;
		return this.recovery.onTimeout(now);
	}

	/** When `flush` must run next (ms, performance.now() clock); Infinity when nothing waits. */
	deadline(now: number): number {
		let next = Math.min(this.received.ackDeadline(), this.recovery.timerDeadline());
		if (this.wantsToSend() && this.recovery.canSend(this.packetSize)) {
			next = Math.min(
				next,
				this.pacer.nextSendTime(now, this.packetSize, this.rate(), this.packetSize),
			);
		}

		return next;
	}

	/** Sends packets while anything is due and the window, pacer and budget allow. */
	flush(now: number): void {
		for (let i = 0; i < MAX_PACKETS_PER_FLUSH; i++) {
			if (!this.sendPacket(now)) break;
		}

		// Nothing left to send with room in the window, and no writer waiting: delivery-rate
		// samples taken now measure the application, not the path.
		const {congestion} = this.recovery;
		if (
			congestion.bytesInFlight < congestion.window &&
			!this.wantsToSend() &&
			!this.streams.sendHeldBack
		) {
			this.recovery.sampler.onAppLimited(congestion.bytesInFlight);
		}
	}

	/** Sends one packet holding exactly `frames` (CLOSE, or frames a test crafted), with any ACK. */
	sendFrames(frames: Uint8Array, now: number): void {
		const packet = this.recovery.sent.prepare();
		const buffer = this.link.reserve(Math.max(this.packetSize, frames.length + 400));
		let at = this.writeAck(packet, buffer, HEADER_BYTES, now);
		buffer.set(frames, at);
		at += frames.length;
		const eliciting = frames.length > 0 && frames[0] !== FrameType.close;
		this.finish(packet, buffer, at, eliciting, now, false);
	}

	private rate(): number {
		const {rtt, congestion} = this.recovery;
		return congestion.pacingRate ?? Pacer.rate(congestion.window, rtt.smoothed, rtt.hasSample);
	}

	private wantsToSend(): boolean {
		return (
			this.recovery.probesPending > 0 ||
			this.pingWanted ||
			this.datagrams.length > 0 ||
			this.streams.hasControl ||
			this.streams.hasData
		);
	}

	/** Builds and sends one packet if anything may go now; false when nothing did. */
	private sendPacket(now: number): boolean {
		const size = this.packetSize;
		const budget = this.link.budget();
		const ackDue = this.received.shouldSendAck(now);
		const probe = this.recovery.probesPending > 0;
		const canSendData =
			budget >= size &&
			this.wantsToSend() &&
			this.recovery.canSend(size) &&
			(probe || this.pacer.nextSendTime(now, size, this.rate(), size) <= now);
		if (!canSendData && !(ackDue && budget >= size)) return false;

		const packet = this.recovery.sent.prepare();
		let datagramSize = size;
		// Probe with stream data only: bulk transfers gain from a larger MTU, and a lost probe
		// costs a retransmission, never an unreliable datagram.
		const probeSize =
			canSendData && this.streams.hasData && !probe ? this.mtu.nextProbeSize(now) : 0;
		if (probeSize > size && budget >= probeSize) {
			datagramSize = probeSize;
			packet.isMtuProbe = true;
			this.mtu.onProbeSent(probeSize);
		}

		const buffer = this.link.reserve(datagramSize);
		const end = datagramSize - TAG_BYTES;
		const afterAck = this.writeAck(packet, buffer, HEADER_BYTES, now);
		let at = afterAck;
		if (canSendData) {
			at = this.streams.writeControl(buffer, at, end, packet);
			if (!packet.isMtuProbe) at = this.writeDatagrams(buffer, at, end);
			at = this.streams.writeStreams(buffer, at, end, packet);
			if (at === afterAck && (probe || packet.isMtuProbe || this.pingWanted)) {
				buffer[at++] = FrameType.ping;
			}

			if (at > afterAck) this.pingWanted = false;
		}

		const ackEliciting = at > afterAck;
		if (!ackEliciting && afterAck === HEADER_BYTES) return false;
		if (packet.isMtuProbe) {
			buffer.fill(FrameType.padding, at, end);
			at = end;
		}

		return this.finish(packet, buffer, at, ackEliciting, now, true);
	}

	private writeAck(packet: SentPacket<ControlFrame>, buffer: Uint8Array, at: number, now: number) {
		if (!this.received.hasUnacked && !this.received.shouldSendAck(now)) return at;
		const frame = this.received.buildAck(now);
		if (!frame) return at;
		packet.ackLargest = frame.ranges[0];
		return encodeAck(frame, buffer, at);
	}

	private writeDatagrams(buffer: Uint8Array, at: number, end: number): number {
		const queue = this.datagrams;
		let taken = 0;
		while (taken < queue.length && datagramFrameLength(queue[taken].length) <= end - at) {
			at = writeDatagramFrame(buffer, at, queue[taken++]);
		}

		if (taken > 0) queue.splice(0, taken);
		return at;
	}

	/** Pads, seals and sends the packet, and records it. */
	private finish(
		packet: SentPacket<ControlFrame>,
		buffer: Uint8Array,
		at: number,
		ackEliciting: boolean,
		now: number,
		pad: boolean,
	): boolean {
		if (pad && at < PAD_BELOW) {
			const limit = buffer.length - TAG_BYTES;
			const padded = Math.min(at + Math.floor(Math.random() * (MAX_RANDOM_PADDING + 1)), limit);
			buffer.fill(FrameType.padding, at, padded);
			at = padded;
		}

		const size = this.link.transmit(packet.packetNumber, buffer, at);
		if (size === 0) return false;
		this.recovery.onPacketSent(packet, now, size, ackEliciting);
		if (ackEliciting) this.pacer.onPacketSent(now, size, this.rate(), this.packetSize);
		if (packet.ackLargest >= 0) this.received.onAckSent();
		return true;
	}

	private onPacketAcked(packet: SentPacket<ControlFrame>): void {
		const streams = this.streams;
		for (let i = 0; i < packet.streamCount; i++) {
			streams.onStreamAcked(
				packet.streamIds[i],
				packet.streamOffsets[i],
				packet.streamLengths[i],
				packet.streamFins[i],
			);
		}

		if (packet.ackLargest >= 0) this.received.onAckAcknowledged(packet.ackLargest);
		if (packet.isMtuProbe) {
			if (this.mtu.onProbeAcked(packet.size, packet.timeSent)) this.resize(this.mtu.current);
		} else {
			this.mtu.onPacketAcked(packet.size);
		}
	}

	private onPacketLost(packet: SentPacket<ControlFrame>): void {
		const streams = this.streams;
		for (let i = 0; i < packet.streamCount; i++) {
			streams.onStreamLost(
				packet.streamIds[i],
				packet.streamOffsets[i],
				packet.streamLengths[i],
				packet.streamFins[i],
			);
		}

		for (const frame of packet.control) streams.onControlLost(frame);
		if (packet.isMtuProbe) {
			this.mtu.onProbeLost(packet.size, packet.timeSent);
		} else if (this.mtu.onPacketLost(packet.size)) {
			this.resize(this.mtu.current);
		}
	}

	private resize(size: number): void {
		this.packetSize = size;
		this.recovery.congestion.setMaxDatagramSize(size);
	}
}
