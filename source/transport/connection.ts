import {EventEmitter} from 'node:events';
import {TornetError} from '../errors.js';
import {Reader} from '../util/varint.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {CID_BYTES} from '../wire/header-protection.js';
import {MAX_PACKET_NUMBER, PACKET_OVERHEAD, readU32, Session} from '../wire/session.js';
import {
	CloseCode,
	datagramFrameLength,
	encodeCloseFrame,
	FrameType,
	readCloseFrame,
	readDatagramFrame,
	writeDatagramFrame,
	writePadding,
	writePingFrame,
} from './frames.js';

/** Every path carries 1200-byte UDP payloads (the QUIC minimum); larger needs path MTU probing. */
export const BASE_PACKET_BYTES = 1200;
/** Send a PING after this long without sending, so NAT bindings and the peer's idle timer stay fresh. */
export const KEEPALIVE_MS = 15_000;
/** Close a connection that has heard nothing for this long. */
export const IDLE_TIMEOUT_MS = 60_000;
/** Room for the plaintext of any UDP datagram. */
const PLAINTEXT_BUFFER_BYTES = 65_536;
/** Small packets get up to this much random padding, so their lengths say little about content. */
const MAX_RANDOM_PADDING = 64;

export type ConnectionState = 'handshaking' | 'open' | 'closed';

/** What a connection needs from its endpoint: a way to put bytes on the wire and to leave the table. */
export type ConnectionHost = {
	sendPacket(packet: Buffer, host: string, port: number): void;
	release(connection: Connection): void;
	/** The peer proved it owns its address: the first authenticated packet of a responder. */
	confirmed(connection: Connection): void;
	now(): number;
};

export type ConnectionStats = {
	packetsSent: number;
	packetsReceived: number;
	bytesSent: number;
	bytesReceived: number;
	rejectedPackets: number;
	lastReceived: number;
	lastSent: number;
};

type ConnectionEvents = {
	open: [];
	datagram: [data: Buffer];
	close: [error: TornetError | undefined];
};

export class Connection extends EventEmitter<ConnectionEvents> {
	state: ConnectionState = 'handshaking';
	peer: PeerIdentity;
	host: string;
	port: number;
	readonly initiator: boolean;
	/** The connection id we chose; the endpoint sets it when the connection enters its table. */
	localCid: Buffer;
	readonly stats: ConnectionStats;
	/** Until the peer proves it owns its address, we send no more than it sent us (anti-amplification). */
	private confirmed: boolean;
	private session: Session | undefined;
	private nextPacketNumber = 0;
	private readonly hostLink: ConnectionHost;
	/**
	 * Separate buffers: a handler may send while the frames of a received packet are still being read.
	 * Both are made on first use, so a connection that never confirms (a handshake flood fills the
	 * table with them) costs no 128 KiB.
	 */
	private sendBuffer: Buffer | undefined;
	private receiveBuffer: Buffer | undefined;

	constructor(options: {
		host: ConnectionHost;
		peer: PeerIdentity;
		address: {host: string; port: number};
		localCid: Buffer;
		initiator: boolean;
		bytesReceived?: number;
	}) {
		super();
		this.hostLink = options.host;
		this.peer = options.peer;
		this.host = options.address.host;
		this.port = options.address.port;
		this.localCid = options.localCid;
		this.initiator = options.initiator;
		this.confirmed = options.initiator;
		const now = options.host.now();
		this.stats = {
			packetsSent: 0,
			packetsReceived: 0,
			bytesSent: 0,
			bytesReceived: options.bytesReceived ?? 0,
			rejectedPackets: 0,
			lastReceived: now,
			lastSent: now,
		};
	}

	private get plaintext(): Buffer {
		this.sendBuffer ??= Buffer.alloc(PLAINTEXT_BUFFER_BYTES);
		return this.sendBuffer;
	}

	private get received(): Buffer {
		this.receiveBuffer ??= Buffer.alloc(PLAINTEXT_BUFFER_BYTES);
		return this.receiveBuffer;
	}

	/** Called by the endpoint when the handshake completes. */
	establish(session: Session, peer: PeerIdentity): void {
		this.session = session;
		this.peer = peer;
		this.state = 'open';
		// The initiator's first packet confirms the handshake to the responder.
		if (this.initiator) this.sendPing();
		this.emit('open');
	}

	get isConfirmed(): boolean {
		return this.confirmed;
	}

	get isOpen(): boolean {
		return this.state === 'open';
	}

	/** The largest datagram that fits one packet at the base packet size. */
	get maxDatagramBytes(): number {
		const room = BASE_PACKET_BYTES - PACKET_OVERHEAD;
		return room - (datagramFrameLength(room) - room);
	}

	sendDatagram(data: Uint8Array): void {
		if (this.state !== 'open') throw TornetError.connectionClosed('connection is not open');
		if (data.length > this.maxDatagramBytes) {
			throw TornetError.badArgument(
				`datagram of ${data.length} bytes exceeds ${this.maxDatagramBytes}`,
			);
		}

		let end = writeDatagramFrame(this.plaintext, 0, data);
		end = this.randomPadding(end);
		this.sendPlaintext(end);
	}

	sendPing(): void {
		if (this.state !== 'open') return;
		this.sendPlaintext(this.randomPadding(writePingFrame(this.plaintext, 0)));
	}

	close(reason = 'closed', code: number = CloseCode.normal, error?: TornetError): void {
		if (this.state === 'closed') return;
		if (this.state === 'open' && this.confirmed) {
			const frame = encodeCloseFrame(code, reason);
			frame.copy(this.plaintext, 0);
			this.sendPlaintext(frame.length);
		}

		this.terminate(error);
	}

	/** Drop the connection without telling the peer (it was replaced, or the peer closed it). */
	terminate(error?: TornetError): void {
		if (this.state === 'closed') return;
		this.state = 'closed';
		this.hostLink.release(this);
		this.emit('close', error);
	}

	/** Called by the endpoint for each packet whose unmasked connection id is ours. */
	receivePacket(packet: Buffer, header: Uint8Array, host: string, port: number): void {
		if (!this.session || this.state !== 'open') return;
		const result = this.session.open(packet, header, this.received);
		if (!result.ok) {
			this.stats.rejectedPackets++;
			return;
		}

		this.stats.packetsReceived++;
		this.stats.bytesReceived += packet.length;
		this.stats.lastReceived = this.hostLink.now();
		if (!this.confirmed) {
			this.confirmed = true;
			this.hostLink.confirmed(this);
		}

		// Only an authenticated packet may move the connection to a new address (NAT rebinding), and
		// only the newest one (RFC 9000 §9.3): a late packet from the old address must not move it back.
		const newest = readU32(header, CID_BYTES) === this.session.highestReceived;
		if (newest && (host !== this.host || port !== this.port)) {
			this.host = host;
			this.port = port;
		}

		this.readFrames(result.plaintext);
	}

	/** Once a second from the endpoint: keepalive and idle timeout. */
	tick(now: number): void {
		if (this.state !== 'open') return;
		if (now - this.stats.lastReceived >= IDLE_TIMEOUT_MS) {
			this.close('idle timeout', CloseCode.idle, TornetError.connectionClosed('idle timeout'));
			return;
		}

		if (now - this.stats.lastSent >= KEEPALIVE_MS) this.sendPing();
	}

	private readFrames(plaintext: Uint8Array): void {
		const reader = new Reader(plaintext);
		while (!reader.done && this.state === 'open') {
			const type = reader.u8();
			switch (type) {
				case FrameType.padding: {
					return;
				}

				case FrameType.ping: {
					break;
				}

				case FrameType.datagram: {
					const data = readDatagramFrame(reader);
					if (!data) return this.violation('malformed DATAGRAM frame');
					this.emit('datagram', Buffer.from(data));
					break;
				}

				case FrameType.close: {
					const frame = readCloseFrame(reader);
					this.terminate(
						TornetError.connectionClosed(
							frame ? `peer closed: ${frame.reason || 'no reason'}` : 'peer closed',
						),
					);
					return;
				}

				default: {
					return this.violation(`unknown frame type ${type}`);
				}
			}
		}
	}

	private violation(why: string): void {
		this.close(why, CloseCode.protocolViolation, TornetError.protocolViolation(why));
	}

	private randomPadding(end: number): number {
		const padding = Math.floor(Math.random() * (MAX_RANDOM_PADDING + 1));
		const limit = Math.min(end + padding, BASE_PACKET_BYTES - PACKET_OVERHEAD);
		return writePadding(this.plaintext, end, limit);
	}

	private sendPlaintext(length: number): void {
		if (!this.session) return;
		if (this.nextPacketNumber >= MAX_PACKET_NUMBER) {
			this.terminate(TornetError.connectionClosed('packet numbers exhausted'));
			return;
		}

		const packetLength = length + PACKET_OVERHEAD;
		if (!this.confirmed && this.stats.bytesSent + packetLength > this.stats.bytesReceived) return;
		const packet = Buffer.allocUnsafe(packetLength);
		this.session.seal(this.nextPacketNumber++, this.plaintext.subarray(0, length), packet);
		this.stats.packetsSent++;
		this.stats.bytesSent += packetLength;
		this.stats.lastSent = this.hostLink.now();
		this.hostLink.sendPacket(packet, this.host, this.port);
	}
}
