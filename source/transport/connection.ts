import {EventEmitter, once} from 'node:events';
import {TornetError} from '../errors.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {CID_BYTES, HEADER_BYTES} from '../wire/header-protection.js';
import {MAX_PACKET_NUMBER, PACKET_OVERHEAD, readU32, type Session} from '../wire/session.js';
import {createMachinery, type Machinery, type TransportOptions} from './connection-machinery.js';
import type {CongestionKind} from './controllers.js';
import {ConnectionStats} from './connection-stats.js';
import {type CloseFrame, CloseCode, datagramFrameLength, encodeCloseFrame} from './frames.js';
import {BASE_PLPMTU} from './mtu-probe.js';
import type {StreamState} from './stream-state.js';
import {StreamErrorCode} from './stream-table.js';
import {type StreamOptions, TornetStream} from './stream.js';

/** Every path carries 1200-byte UDP payloads (the QUIC minimum); larger needs path MTU probing. */
export const BASE_PACKET_BYTES = BASE_PLPMTU;
/** Send a PING after this long without sending, so NAT bindings and the peer's idle timer stay fresh. */
export const KEEPALIVE_MS = 15_000;
/** Close a connection that has heard nothing for this long. */
export const IDLE_TIMEOUT_MS = 60_000;
/** A graceful close waits at most this long for the peer to acknowledge buffered stream data. */
export const CLOSE_DRAIN_MS = 5_000;

export type CloseOptions = {
	/** Send CLOSE now: bytes not yet acknowledged are dropped. */
	immediate?: boolean;
	/** Bound on the wait for acknowledgements (ms), CLOSE_DRAIN_MS by default. */
	drainTimeoutMs?: number;
};

export type ConnectionState = 'handshaking' | 'open' | 'closed';
export type {TransportOptions} from './connection-machinery.js';

/** What a connection needs from its endpoint: packet buffers, the wire, and the table. */
export type ConnectionHost = {
	/** A buffer for one outgoing packet of up to `length` bytes, valid until sendPacket. */
	packetBuffer(length: number): Uint8Array;
	/** Sends a buffer from packetBuffer (trimmed to the packet's length). */
	sendPacket(packet: Uint8Array, host: string, port: number): void;
	/** Packets sent until uncork() may leave together, in one system call (a paced burst). */
	cork?(): void;
	uncork?(): void;
	release(connection: Connection): void;
	/** The peer proved it owns its address: the first authenticated packet of a responder. */
	confirmed(connection: Connection): void;
	now(): number;
};

type ConnectionEvents = {
	open: [];
	datagram: [data: Buffer];
	stream: [stream: TornetStream];
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
	readonly options: TransportOptions;
	/** Until the peer proves it owns its address, we send no more than it sent us (anti-amplification). */
	private confirmed: boolean;
	private session: Session | undefined;
	private readonly hostLink: ConnectionHost;
	/** The reliability machinery, made on first use: a handshake flood must not pay for it. */
	private parts: Machinery | undefined;
	private timer: NodeJS.Timeout | undefined;
	private timerAt = Number.POSITIVE_INFINITY;
	private flushQueued = false;
	/** close() is waiting for the streams to drain: the CLOSE frame to send then, and the bound. */
	private closing: {reason: string; timer: NodeJS.Timeout} | undefined;
	private readonly onTimer = () => {
		this.timer = undefined;
		this.timerAt = Number.POSITIVE_INFINITY;
		this.runTimer();
	};

	private readonly onImmediate = () => {
		this.flushQueued = false;
		this.flush();
	};

	private readonly wake = () => {
		if (this.flushQueued || this.state !== 'open') return;
		this.flushQueued = true;
		setImmediate(this.onImmediate);
	};

	constructor(options: {
		host: ConnectionHost;
		peer: PeerIdentity;
		address: {host: string; port: number};
		localCid: Buffer;
		initiator: boolean;
		bytesReceived?: number;
		transport?: TransportOptions;
	}) {
		super();
		this.hostLink = options.host;
		this.peer = options.peer;
		this.host = options.address.host;
		this.port = options.address.port;
		this.localCid = options.localCid;
		this.initiator = options.initiator;
		this.confirmed = options.initiator;
		this.options = options.transport ?? {};
		this.stats = new ConnectionStats(options.host.now(), options.bytesReceived ?? 0);
		this.stats.congestionKind = this.options.congestion ?? 'cubic';
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

	/** Open and not closing: new streams and datagrams are accepted. */
	get isOpen(): boolean {
		return this.state === 'open' && !this.closing;
	}

	/** The largest datagram that fits one packet at the base packet size. */
	get maxDatagramBytes(): number {
		const room = BASE_PACKET_BYTES - PACKET_OVERHEAD;
		return room - (datagramFrameLength(room) - room);
	}

	/** A new bidirectional stream. It waits for an id (and sends nothing) while the peer's limit is reached. */
	openStream(options: StreamOptions = {}): TornetStream {
		if (!this.isOpen) throw TornetError.connectionClosed('connection is not open');
		const {streams} = this.machinery;
		return new TornetStream(streams, streams.open(options.highWaterMark), this.wake, options);
	}

	/** Sends one unreliable message (never retransmitted; congestion-controlled). */
	sendDatagram(data: Uint8Array): void {
		if (!this.isOpen) throw TornetError.connectionClosed('connection is not open');
		if (data.length > this.maxDatagramBytes) {
			throw TornetError.badArgument(
				`datagram of ${data.length} bytes exceeds ${this.maxDatagramBytes}`,
			);
		}

		this.machinery.sender.queueDatagram(data);
		this.flush();
	}

	sendPing(): void {
		if (this.state !== 'open') return;
		this.machinery.sender.ping();
		this.flush();
	}

	/** Switches congestion control, e.g. to 'ledbat' while serving in the background. */
	setCongestion(kind: CongestionKind): void {
		this.machinery.sender.setCongestion(kind);
	}

	/**
	 * A normal close drains first: buffered stream data is sent and acknowledged (for at most
	 * CLOSE_DRAIN_MS, taking no new streams or datagrams), then CLOSE goes out. With an error,
	 * another code or `immediate`, CLOSE goes at once. Resolves once closed.
	 */
	async close(
		reason = 'closed',
		code: number = CloseCode.normal,
		error?: TornetError,
		options: CloseOptions = {},
	): Promise<void> {
		if (this.state === 'closed') return;
		const immediate = options.immediate || error !== undefined || code !== CloseCode.normal;
		if (immediate || this.state !== 'open' || !this.parts?.sender.hasPending) {
			this.finishClose(reason, code, error);
			return;
		}

		if (!this.closing) {
			const bound = options.drainTimeoutMs ?? CLOSE_DRAIN_MS;
			const timer = setTimeout(() => this.finishClose(reason, code), bound).unref();
			this.closing = {reason, timer};
			this.wake();
		}

		await once(this, 'close');
	}

	/** Drop the connection without telling the peer (it was replaced, or the peer closed it). */
	terminate(error?: TornetError): void {
		if (this.state === 'closed') return;
		this.state = 'closed';
		clearTimeout(this.closing?.timer);
		clearTimeout(this.timer);
		this.timer = undefined;
		this.parts?.streams.closeAll(error);
		this.hostLink.release(this);
		this.emit('close', error);
	}

	/**
	 * Sends `frames` (already encoded) in one packet of their own. For CLOSE, and for tools and
	 * tests that must put exact frames on the wire; the caller vouches for them.
	 */
	sendFrames(frames: Uint8Array): void {
		if (this.state !== 'open' || !this.session) return;
		if (frames.length + PACKET_OVERHEAD > this.budget()) return;
		this.machinery.sender.sendFrames(frames, this.hostLink.now());
	}

	/** Called by the endpoint for each packet whose unmasked connection id is ours. */
	receivePacket(packet: Uint8Array, header: Uint8Array, host: string, port: number): void {
		if (!this.session || this.state !== 'open') return;
		// Decrypted in place: the packet is ours (node:dgram allocates each one), so stream data can
		// be kept as views of it instead of copies.
		const result = this.session.open(packet, header, packet.subarray(HEADER_BYTES));
		if (!result.ok) {
			this.stats.rejectedPackets++;
			return;
		}

		const now = this.hostLink.now();
		this.stats.packetsReceived++;
		this.stats.bytesReceived += packet.length;
		this.stats.lastReceived = now;
		if (!this.confirmed) {
			this.confirmed = true;
			this.hostLink.confirmed(this);
		}

		// Only an authenticated packet may move the connection to a new address (NAT rebinding), and
		// only the newest one (RFC 9000 §9.3): a late packet from the old address must not move it back.
		const packetNumber = readU32(header, CID_BYTES);
		if (
			packetNumber === this.session.highestReceived &&
			(host !== this.host || port !== this.port)
		) {
			this.host = host;
			this.port = port;
		}

		const {frames, sender} = this.machinery;
		const {ackEliciting, error} = frames.read(result.plaintext, now);
		if (this.state !== 'open') return;
		if (error) {
			void this.close(error.message, CloseCode.protocolViolation, error);
			return;
		}

		sender.onPacketReceived(packetNumber, ackEliciting, now);
		this.wake();
	}

	/** Once a second from the endpoint: keepalive and idle timeout. */
	tick(now: number): void {
		if (this.state !== 'open') return;
		const idle = this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
		if (now - this.stats.lastReceived >= idle) {
			void this.close('idle timeout', CloseCode.idle, TornetError.connectionClosed('idle timeout'));
			return;
		}

		if (this.confirmed && now - this.stats.lastSent >= (this.options.keepaliveMs ?? KEEPALIVE_MS)) {
			this.sendPing();
		}
	}

	private get machinery(): Machinery {
		if (this.parts) return this.parts;
		this.parts = createMachinery({
			initiator: this.initiator,
			host: this.host,
			options: this.options,
			streams: {
				now: () => this.hostLink.now(),
				wake: this.wake,
				opened: (state) => {
					this.opened(state);
				},
			},
			link: {
				budget: () => this.budget(),
				reserve: (size) => this.hostLink.packetBuffer(size),
				transmit: (packetNumber, buffer, end) => this.transmit(packetNumber, buffer, end),
			},
			frames: {
				isOpen: () => this.state === 'open',
				onDatagram: (data) => this.emit('datagram', data),
				onClose: (frame) => {
					this.peerClosed(frame);
				},
			},
		});
		this.stats.sender = this.parts.sender;
		this.stats.streamTable = this.parts.streams;
		return this.parts;
	}

	/** The peer opened a stream: hand it to a listener, or refuse it when nobody listens. */
	private opened(state: StreamState): void {
		const stream = new TornetStream(this.parts!.streams, state, this.wake);
		if (this.listenerCount('stream') === 0) {
			stream.reset(StreamErrorCode.cancelled);
			return;
		}

		this.emit('stream', stream);
	}

	private peerClosed(frame: CloseFrame | undefined): void {
		const why = frame ? frame.reason || 'no reason' : 'malformed CLOSE';
		const code = frame?.code === CloseCode.protocolViolation ? ' (protocol violation)' : '';
		this.terminate(TornetError.connectionClosed(`peer closed${code}: ${why}`));
	}

	private budget(): number {
		return this.confirmed
			? Number.POSITIVE_INFINITY
			: this.stats.bytesReceived - this.stats.bytesSent;
	}

	/** Seals buffer[HEADER_BYTES, end) in place as `packetNumber` and sends it. */
	private transmit(packetNumber: number, buffer: Uint8Array, end: number): number {
		const session = this.session;
		if (!session || this.state !== 'open') return 0;
		if (packetNumber >= MAX_PACKET_NUMBER) {
			this.terminate(TornetError.connectionClosed('packet numbers exhausted'));
			return 0;
		}

		// The AEAD runs in place (ciphertext over its own plaintext, which libsodium allows).
		const size = session.seal(packetNumber, buffer.subarray(HEADER_BYTES, end), buffer);
		this.stats.packetsSent++;
		this.stats.bytesSent += size;
		this.stats.lastSent = this.hostLink.now();
		const packet = size === buffer.length ? buffer : buffer.subarray(0, size);
		this.hostLink.sendPacket(packet, this.host, this.port);
		return size;
	}

	/** Sends what is due now and arms the timer for what is due later. */
	private flush(): void {
		if (this.state !== 'open' || !this.session) return;
		const now = this.hostLink.now();
		const {sender, streams} = this.machinery;
		streams.deliverPending();
		if (this.state !== 'open') return;
		const link = this.hostLink;
		link.cork?.();
		try {
			sender.flush(now);
		} finally {
			link.uncork?.();
		}

		if (this.state !== 'open') return;
		if (this.closing && !sender.hasPending) {
			this.finishClose(this.closing.reason, CloseCode.normal);
			return;
		}

		const deadline = sender.deadline(now);
		if (deadline === Number.POSITIVE_INFINITY) return;
		if (this.timer && this.timerAt <= deadline) return;
		clearTimeout(this.timer);
		this.timerAt = deadline;
		// Node timers have millisecond resolution; anything due sooner runs on the next tick of 1 ms.
		this.timer = setTimeout(this.onTimer, Math.max(0, deadline - now));
		this.timer.unref();
	}

	private finishClose(reason: string, code: number, error?: TornetError): void {
		if (this.state === 'open' && this.confirmed) this.sendFrames(encodeCloseFrame(code, reason));
		this.terminate(error);
	}

	private runTimer(): void {
		if (this.state !== 'open' || !this.parts) return;
		const error = this.parts.sender.onTimer(this.hostLink.now());
		if (error) {
			void this.close(error.message, CloseCode.idle, error);
			return;
		}

		this.flush();
	}
}
