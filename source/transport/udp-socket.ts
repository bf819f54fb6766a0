import dgram from 'node:dgram';
import {TornetError} from '../errors.js';
import {BatchReceive, type MessageHandler} from './batch-receive.js';
import {type NativeSender, nativeSender, SEND_DONE, SEND_FAILED, socketFd} from './native-send.js';
import {SendBatch} from './send-batch.js';
import {SendRing} from './send-ring.js';
import {nativeReceiveAllowed, type UdpBatchAddon, udpBatchAddon} from './udp-batch.js';

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024; // the kernel caps it (rmem_max); the default loses bursts

/**
 * The one UDP socket of an endpoint: large kernel buffers, sends without an allocation or a
 * closure per packet (buffers from a ring, one completion callback), and a close that lets the
 * last sends (CLOSE frames) leave first. Send errors are UDP's normal weather and are ignored.
 *
 * Between cork() and uncork() (a connection's flush), packets to one peer are collected and,
 * with the native addon (udp-batch.ts), leave in one system call; without it, or whenever libuv
 * holds queued sends, each goes on its own as before.
 */
export class UdpSocket {
	/** The native batch sender, once bound (undefined: addon missing or switched off). */
	batch: SendBatch | undefined;
	/** The native batch receiver, once bound (undefined: node:dgram receives). */
	receiver: BatchReceive | undefined;
	private readonly socket: dgram.Socket;
	private readonly type: 'udp4' | 'udp6';
	private readonly onMessage: MessageHandler;
	private readonly addon: UdpBatchAddon | undefined;
	private readonly ring = new SendRing();
	private sendsInFlight = 0;
	/** Sends through socket.send() whose callback has not run yet. */
	private slowInFlight = 0;
	private drained: (() => void) | undefined;
	private closed = false;
	private native: NativeSender | undefined;
	private corked = 0;
	/** dgram calls this once per send, sent or failed, in order; one function, no closure per packet. */
	private readonly afterSend = () => {
		this.slowInFlight--;
		this.completed();
	};

	/** `addon`: the native batch addon to use (default: the built one, if any); null for none. */
	constructor(
		type: 'udp4' | 'udp6',
		onMessage: MessageHandler,
		options: {addon?: UdpBatchAddon | null} = {},
	) {
		this.type = type;
		this.onMessage = onMessage;
		this.addon = options.addon === undefined ? udpBatchAddon() : (options.addon ?? undefined);
		this.socket = dgram.createSocket({
			type,
			recvBufferSize: SOCKET_BUFFER_BYTES,
			sendBufferSize: SOCKET_BUFFER_BYTES,
		});
		this.socket.on('message', (packet, remote) => {
			// A plain Uint8Array view, as the native receive path gives: a Buffer's subarrays go
			// through Node's slower species constructor.
			const bytes = new Uint8Array(packet.buffer, packet.byteOffset, packet.length);
			onMessage(bytes, remote.address, remote.port);
		});
		this.socket.on('error', () => {
			// Per-send errors (ICMP unreachable and the like) are expected on UDP; nothing to do.
		});
	}

	async bind(port: number, host: string | undefined): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			const onError = (error: Error) => {
				reject(TornetError.badArgument(`cannot listen on port ${port}: ${error.message}`));
			};

			this.socket.once('error', onError);
			this.socket.bind(port, host, () => {
				this.socket.off('error', onError);
				this.native = nativeSender(this.socket, () => {
					this.completed();
				});
				const {addon} = this;
				const fd = socketFd(this.socket);
				if (addon && fd !== undefined) {
					this.batch = new SendBatch(addon, fd, this.type === 'udp6');
					if (nativeReceiveAllowed()) {
						this.receiver = BatchReceive.start(addon, this.socket, fd, this.onMessage);
					}
				}

				resolve();
			});
		});
	}

	address(): {host: string; port: number} {
		const {address, port} = this.socket.address();
		return {host: address, port};
	}

	/** A buffer for one packet of up to `length` bytes; valid until it is sent with `fromRing`. */
	packetBuffer(length: number): Uint8Array {
		return this.ring.reserve(length);
	}

	/** Until the matching uncork(), packets from the ring are collected into batches. */
	cork(): void {
		this.corked++;
	}

	/** Sends what was collected since the first cork(). */
	uncork(): void {
		if (this.corked > 0 && --this.corked === 0) this.flushBatch();
	}

	/** `fromRing`: the packet came from packetBuffer() and its slot is freed on completion. */
	send(packet: Uint8Array, host: string, port: number, fromRing = false): void {
		if (this.closed) return;
		const {batch} = this;
		if (batch && fromRing && this.corked > 0) {
			if (!batch.append(packet, host, port)) {
				this.flushBatch();
				batch.append(packet, host, port);
			}

			this.ring.commit(packet.length);
			return;
		}

		if (batch && batch.count > 0) this.flushBatch();
		if (fromRing) this.ring.commit(packet.length);
		else this.ring.external();
		this.dispatch(packet, host, port, true);
	}

	/**
	 * Sends the collected packets (recorded in the ring, oldest first, after every send in flight).
	 * Straight to the fd only when libuv holds no queued send, so datagrams leave in order; what
	 * the kernel does not take at once (EAGAIN: the socket buffer is full) goes through dgram,
	 * which queues it and sends when the socket is writable.
	 */
	private flushBatch(): void {
		const batch = this.batch;
		if (!batch || batch.count === 0) return;
		if (this.closed) {
			batch.clear(); // the ring is done with: nothing is sent any more
			return;
		}

		const sent = this.sendsInFlight === 0 ? batch.send() : 0;
		for (let i = 0; i < sent; i++) this.ring.complete();
		if (sent < batch.count) {
			const {host, port} = batch;
			const rest = batch.packetsFrom(sent);
			for (let i = 0; i < rest.length; i++) {
				this.dispatch(rest[i], host, port, i === rest.length - 1);
			}
		}

		batch.clear();
	}

	/** Sends one packet already recorded in the ring (`newest`: its newest record). */
	private dispatch(packet: Uint8Array, host: string, port: number, newest: boolean): void {
		// The native path only while no socket.send() is pending, so completions stay in order:
		// one taken at once is then the ring's oldest record (libuv queues every send behind a
		// queued one).
		if (this.native && this.slowInFlight === 0) {
			const outcome = this.native(packet, port, host);
			if (outcome === SEND_DONE) {
				this.ring.complete();
				return;
			}

			if (outcome !== SEND_FAILED) {
				this.sendsInFlight++;
				return;
			}

			// Failed at once (UDP's weather: dropped). Its record goes now when it is the oldest or
			// the newest; one between queued sends must complete in order, as dgram's send does.
			if (this.sendsInFlight === 0) {
				this.ring.complete();
				return;
			}

			if (newest) {
				this.ring.undo();
				return;
			}
		}

		try {
			this.socket.send(packet, port, host, this.afterSend);
		} catch {
			// A bad port throws at once; nothing was queued. Its record goes now when it is the
			// oldest or the newest; one between queued sends (a batch behind them, failing here
			// and not on the native path) stays until a later completion: memory held, never freed
			// early.
			if (this.sendsInFlight === 0) this.ring.complete();
			else if (newest) this.ring.undo();
			return;
		}

		this.sendsInFlight++;
		this.slowInFlight++;
	}

	private completed(): void {
		this.ring.complete();
		if (--this.sendsInFlight === 0 && this.drained) this.drained();
	}

	/** Stops sending, lets queued sends leave (dgram resolves even IP literals on a later tick), closes. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		// Its dup of the fd would keep the socket (and its port) alive after dgram closes it.
		this.receiver?.stop();
		if (this.sendsInFlight > 0) {
			await new Promise<void>((resolve) => {
				this.drained = resolve;
			});
		}

		await new Promise<void>((resolve) => {
			this.socket.close(() => {
				resolve();
			});
		});
	}
}
