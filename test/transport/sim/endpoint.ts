/**
 * One end of a connection built from the transport modules, without crypto or sockets: the same
 * wiring a Connection does (which call on packet send, ACK receipt, timer and frame receipt), so
 * the state machines are validated together before they meet a socket.
 *
 * Packet: u32 packet number, then frames. PADDING (0x00) and PING (0x01) mimic frames.ts.
 */
import type {TornetError} from '../../../source/errors.js';
import {decodeAck, encodeAck, FRAME_ACK} from '../../../source/transport/ack-frame.js';
import {
	type ControlFrame,
	controlLength,
	decodeControl,
	encodeControl,
	isControlFrameType,
} from '../../../source/transport/control-frames.js';
import {
	type CongestionKind,
	createCongestionController,
} from '../../../source/transport/controllers.js';
import {
	DEFAULT_CONNECTION_WINDOW,
	DEFAULT_MAX_CONNECTION_WINDOW,
	DEFAULT_MAX_STREAM_WINDOW,
	DEFAULT_STREAM_WINDOW,
	ReceiveWindow,
	SendWindow,
} from '../../../source/transport/flow-control.js';
import {FRAME_MAX_DATA, FRAME_MAX_STREAM_DATA} from '../../../source/transport/flow-frames.js';
import {LossDetection} from '../../../source/transport/loss-detection.js';
import {BASE_PLPMTU, MtuProbe} from '../../../source/transport/mtu-probe.js';
import {Pacer} from '../../../source/transport/pacer.js';
import {ReceivedPackets} from '../../../source/transport/received-packets.js';
import {RecvStream} from '../../../source/transport/recv-stream.js';
import {SendStream} from '../../../source/transport/send-stream.js';
import type {SentPacket} from '../../../source/transport/sent-packets.js';
import {decodeStream, FRAME_STREAM} from '../../../source/transport/stream-frames.js';
import {Reader} from '../../../source/util/varint.js';
import type {Link, Receiver} from './network.js';

const FRAME_PADDING = 0x00;
const FRAME_PING = 0x01;
const STREAM_ID = 1;
const HEADER = 4; // packet number

export type EndpointOptions = {
	congestion?: CongestionKind;
	/** Enables path MTU probing up to this size. */
	mtuCeiling?: number;
	maxProbes?: number;
	highWaterMark?: number;
};

export class SimEndpoint implements Receiver {
	readonly name: string;
	readonly recovery: LossDetection<ControlFrame>;
	readonly received = new ReceivedPackets();
	readonly pacer = new Pacer(BASE_PLPMTU);
	readonly mtu: MtuProbe | undefined;
	readonly sendStream: SendStream;
	readonly recvStream: RecvStream;
	readonly connectionSend = new SendWindow(DEFAULT_CONNECTION_WINDOW);
	readonly connectionReceive = new ReceiveWindow(
		DEFAULT_CONNECTION_WINDOW,
		DEFAULT_MAX_CONNECTION_WINDOW,
	);

	readonly inbox: Buffer[] = [];
	packetSize = BASE_PLPMTU;
	error: TornetError | undefined;
	link!: Link;
	peer!: Receiver;
	private readonly buffer = new Uint8Array(65_536);
	private maxDataDue = false;
	private maxStreamDataDue = false;

	constructor(name: string, options: EndpointOptions = {}) {
		this.name = name;
		this.recovery = new LossDetection<ControlFrame>(
			{
				onPacketAcked: (packet) => this.onPacketAcked(packet),
				onPacketLost: (packet) => this.onPacketLost(packet),
			},
			createCongestionController(options.congestion ?? 'cubic', BASE_PLPMTU),
			{maxProbes: options.maxProbes},
		);
		this.mtu = options.mtuCeiling ? new MtuProbe(options.mtuCeiling) : undefined;
		this.sendStream = new SendStream(DEFAULT_STREAM_WINDOW, options.highWaterMark);
		this.recvStream = new RecvStream(
			new ReceiveWindow(DEFAULT_STREAM_WINDOW, DEFAULT_MAX_STREAM_WINDOW),
			this.connectionReceive,
		);
	}

	get receivedBytes(): number {
		return this.recvStream.readOffset;
	}

	connect(link: Link, peer: Receiver): void {
		this.link = link;
		this.peer = peer;
	}

	// --- frame receipt --------------------------------------------------------------------------

	onDatagram(bytes: Uint8Array, now: number): void {
		if (this.error || bytes.length < HEADER) return;
		const reader = new Reader(bytes);
		const packetNumber = reader.u32();
		if (this.received.isDuplicate(packetNumber)) return;
		let ackEliciting = false;
		while (!reader.done && !this.error) {
			const type = reader.u8();
			if (type === FRAME_PADDING) break;
			if (type !== FRAME_ACK) ackEliciting = true;
			this.error = this.onFrame(type, reader, now);
			if (reader.failed) return; // a malformed packet: a real connection closes here
		}

		this.received.onPacket(packetNumber, ackEliciting, now);
		this.deliver(now);
		this.flush(now);
	}

	private onFrame(type: number, reader: Reader, now: number): TornetError | undefined {
		if (type === FRAME_PING) return undefined;
		if (type === FRAME_ACK) {
			const frame = decodeAck(reader);
			return frame ? this.recovery.onAck(frame, now) : undefined;
		}

		if (type === FRAME_STREAM) {
			const frame = decodeStream(reader);
			return frame ? this.recvStream.onData(frame.offset, frame.data, frame.fin) : undefined;
		}

		if (!isControlFrameType(type)) return undefined;
		const frame = decodeControl(type, reader);
		if (frame?.type === FRAME_MAX_DATA) this.connectionSend.onMaximum(frame.maximum);
		if (frame?.type === FRAME_MAX_STREAM_DATA) this.sendStream.onMaxStreamData(frame.maximum);
		return undefined;
	}

	/** The application reads everything available; credit goes back to the peer when due. */
	private deliver(now: number): void {
		for (let piece = this.recvStream.read(); piece; piece = this.recvStream.read()) {
			this.inbox.push(piece);
		}

		const srtt = this.recovery.rtt.smoothed;
		if (this.recvStream.maxStreamDataUpdate(now, srtt) > 0) this.maxStreamDataDue = true;
		if (this.connectionReceive.update(now, srtt) > 0) this.maxDataDue = true;
	}

	// --- recovery events ------------------------------------------------------------------------

	private onPacketAcked(packet: SentPacket<ControlFrame>): void {
		for (let i = 0; i < packet.streamCount; i++) {
			this.sendStream.onAck(packet.streamOffsets[i], packet.streamLengths[i], packet.streamFins[i]);
		}

		if (packet.ackLargest >= 0) this.received.onAckAcknowledged(packet.ackLargest);
		if (packet.isMtuProbe && this.mtu?.onProbeAcked(packet.size, packet.timeSent)) {
			this.packetSize = this.mtu.current;
			this.recovery.congestion.setMaxDatagramSize(this.packetSize);
		} else if (this.mtu) {
			this.mtu.onPacketAcked(packet.size);
		}
	}

	private onPacketLost(packet: SentPacket<ControlFrame>): void {
		for (let i = 0; i < packet.streamCount; i++) {
			this.sendStream.onLost(
				packet.streamOffsets[i],
				packet.streamLengths[i],
				packet.streamFins[i],
			);
		}

		// Flow-control updates are re-sent with the current value, not the lost one.
		for (const frame of packet.control) {
			if (frame.type === FRAME_MAX_DATA) this.maxDataDue = true;
			if (frame.type === FRAME_MAX_STREAM_DATA) this.maxStreamDataDue = true;
		}

		if (packet.isMtuProbe) {
			this.mtu?.onProbeLost(packet.size, packet.timeSent);
		} else if (this.mtu?.onPacketLost(packet.size)) {
			this.packetSize = this.mtu.current;
			this.recovery.congestion.setMaxDatagramSize(this.packetSize);
		}
	}

	// --- timers ---------------------------------------------------------------------------------

	/** When onTimer must run next. */
	nextTimer(now: number): number {
		if (this.error) return Number.POSITIVE_INFINITY;
		let next = Math.min(this.received.ackDeadline(), this.recovery.timerDeadline());
		if (this.wantsToSend() && this.recovery.canSend(this.packetSize)) {
			next = Math.min(
				next,
				this.pacer.nextSendTime(now, this.packetSize, this.rate(), this.packetSize),
			);
		}

		return Math.max(next, now);
	}

	onTimer(now: number): void {
		if (this.error) return;
		if (this.recovery.timerDeadline() <= now) this.error = this.recovery.onTimeout(now);
		this.flush(now);
	}

	// --- packet send ----------------------------------------------------------------------------

	write(data: Uint8Array, now: number): boolean {
		const ok = this.sendStream.write(data);
		this.flush(now);
		return ok;
	}

	end(now: number): void {
		this.sendStream.end();
		this.flush(now);
	}

	flush(now: number): void {
		for (let guard = 0; guard < 10_000 && !this.error; guard++) {
			if (!this.sendPacket(now)) break;
		}

		const {congestion} = this.recovery;
		const send = this.sendStream;
		const heldBack = send.sendOffset < send.writeOffset || !send.writable;
		if (congestion.bytesInFlight < congestion.window && !this.wantsToSend() && !heldBack) {
			this.recovery.sampler.onAppLimited(congestion.bytesInFlight);
		}
	}

	private rate(): number {
		const {rtt, congestion} = this.recovery;
		return congestion.pacingRate ?? Pacer.rate(congestion.window, rtt.smoothed, rtt.hasSample);
	}

	private wantsToSend(): boolean {
		return (
			this.recovery.probesPending > 0 ||
			this.maxDataDue ||
			this.maxStreamDataDue ||
			this.sendStream.hasDataToSend(this.connectionSend.available)
		);
	}

	/** Builds and sends one packet if anything may go now. False when nothing did. */
	private sendPacket(now: number): boolean {
		const ackDue = this.received.shouldSendAck(now);
		const probe = this.recovery.probesPending > 0;
		const size = this.packetSize;
		const canSendData =
			this.wantsToSend() &&
			this.recovery.canSend(size) &&
			(probe || this.pacer.nextSendTime(now, size, this.rate(), size) <= now);
		if (!canSendData && !ackDue) return false;

		const buffer = this.buffer;
		const packet = this.recovery.sent.prepare();
		let at = HEADER;
		let ackSent = false;
		if (this.received.hasUnacked || ackDue) {
			const frame = this.received.buildAck(now);
			if (frame) {
				at = encodeAck(frame, buffer, at);
				packet.ackLargest = frame.ranges[0];
				ackSent = true;
			}
		}

		const afterAck = at;
		let end = size;
		if (canSendData) {
			const probeSize = this.mtu?.nextProbeSize(now) ?? 0;
			if (probeSize > size && this.recovery.canSend(probeSize) && !probe) {
				end = probeSize;
				packet.isMtuProbe = true;
				this.mtu!.onProbeSent(probeSize);
			}

			at = this.writeControl(packet, at, end);
			at = this.sendStream.writeFrame(STREAM_ID, buffer, at, end, this.connectionSend, packet);
			if (at === afterAck && (probe || packet.isMtuProbe)) buffer[at++] = FRAME_PING;
		}

		const ackEliciting = at > afterAck;
		if (!ackEliciting && !ackSent) return false;
		if (packet.isMtuProbe) {
			buffer.fill(FRAME_PADDING, at, end);
			at = end;
		}

		new DataView(buffer.buffer).setUint32(0, packet.packetNumber);
		this.recovery.onPacketSent(packet, now, at, ackEliciting);
		if (ackEliciting) this.pacer.onPacketSent(now, at, this.rate(), size);
		if (ackSent) this.received.onAckSent();
		this.link.send(buffer.subarray(0, at), this.peer, now);
		return ackEliciting || ackSent;
	}

	private writeControl(packet: SentPacket<ControlFrame>, at: number, end: number): number {
		const frames: ControlFrame[] = [];
		if (this.maxDataDue) {
			frames.push({type: FRAME_MAX_DATA, maximum: this.connectionReceive.limit});
		}

		if (this.maxStreamDataDue) {
			frames.push({
				type: FRAME_MAX_STREAM_DATA,
				streamId: STREAM_ID,
				maximum: this.recvStream.window.limit,
			});
		}

		for (const frame of frames) {
			if (end - at < controlLength(frame)) break;
			at = encodeControl(frame, this.buffer, at);
			packet.addControl(frame);
			if (frame.type === FRAME_MAX_DATA) this.maxDataDue = false;
			else this.maxStreamDataDue = false;
		}

		return at;
	}
}
