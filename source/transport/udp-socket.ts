import dgram from 'node:dgram';
import {TornetError} from '../errors.js';
import {type NativeSender, nativeSender, SEND_DONE, SEND_FAILED} from './native-send.js';
import {SendRing} from './send-ring.js';

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024; // the kernel caps it (rmem_max); the default loses bursts

/**
 * The one UDP socket of an endpoint: large kernel buffers, sends without an allocation or a
 * closure per packet (buffers from a ring, one completion callback), and a close that lets the
 * last sends (CLOSE frames) leave first. Send errors are UDP's normal weather and are ignored.
 */
export class UdpSocket {
	private readonly socket: dgram.Socket;
	private readonly ring = new SendRing();
	private sendsInFlight = 0;
	/** Sends through socket.send() whose callback has not run yet. */
	private slowInFlight = 0;
	private drained: (() => void) | undefined;
	private closed = false;
	private native: NativeSender | undefined;
	/** dgram calls this once per send, sent or failed, in order; one function, no closure per packet. */
	private readonly afterSend = () => {
		this.slowInFlight--;
		this.completed();
	};

	constructor(
		type: 'udp4' | 'udp6',
		onMessage: (packet: Buffer, host: string, port: number) => void,
	) {
		this.socket = dgram.createSocket({
			type,
			recvBufferSize: SOCKET_BUFFER_BYTES,
			sendBufferSize: SOCKET_BUFFER_BYTES,
		});
		this.socket.on('message', (packet, remote) => {
			onMessage(packet, remote.address, remote.port);
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

	/** `fromRing`: the packet came from packetBuffer() and its slot is freed on completion. */
	send(packet: Uint8Array, host: string, port: number, fromRing = false): void {
		if (this.closed) return;
		if (fromRing) this.ring.commit(packet.length);
		else this.ring.external();
		// The native path only while no socket.send() is pending, so completions stay in order:
		// one taken at once is then the ring's newest record and its only one (libuv queues every
		// send behind a queued one).
		if (this.native && this.slowInFlight === 0) {
			const outcome = this.native(packet, port, host);
			if (outcome === SEND_DONE) this.ring.complete();
			else if (outcome === SEND_FAILED) this.ring.undo();
			else this.sendsInFlight++;
			return;
		}

		try {
			this.socket.send(packet, port, host, this.afterSend);
		} catch {
			// A bad port throws at once; nothing was queued, so nothing to wait for.
			this.ring.undo();
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
