import type dgram from 'node:dgram';
import {socketHandle} from './native-send.js';
import type {UdpBatchAddon} from './udp-batch.js';

export type MessageHandler = (packet: Uint8Array, host: string, port: number) => void;

/**
 * Receives a dgram socket's datagrams through the native addon (recvmmsg + UDP GRO, one call
 * into JavaScript per batch) instead of node:dgram's one callback per datagram. dgram's own
 * reading stays paused from start() on; sends still go through dgram's handle. Each batch is
 * fresh memory, so handlers may keep views of a packet (the endpoint decrypts in place and keeps
 * stream data as views), as they may with dgram's per-datagram Buffers.
 */
export class BatchReceive {
	/** Batches and datagrams delivered. */
	batches = 0;
	datagrams = 0;
	private readonly addon: UdpBatchAddon;
	private readonly onMessage: MessageHandler;
	/** Per datagram: length, port, index into `hosts` (the addon writes it before each batch). */
	private readonly meta: Int32Array;
	private readonly hosts: string[] = [];
	private receiver: object | undefined;

	private constructor(addon: UdpBatchAddon, onMessage: MessageHandler) {
		this.addon = addon;
		this.onMessage = onMessage;
		const {META_FIELDS, RECEIVE_CAPACITY} = addon.constants;
		// Off-heap memory (an ArrayBuffer of its own), so the addon's pointer to it stays put.
		this.meta = new Int32Array(new ArrayBuffer(META_FIELDS * RECEIVE_CAPACITY * 4));
	}

	/** Takes over reading from dgram; undefined (dgram keeps reading) when it cannot. */
	static start(
		addon: UdpBatchAddon,
		socket: dgram.Socket,
		fd: number,
		onMessage: MessageHandler,
	): BatchReceive | undefined {
		const handle = socketHandle(socket);
		if (typeof handle?.recvStop !== 'function' || typeof handle.recvStart !== 'function') {
			return undefined;
		}

		if (handle.recvStop() !== 0) return undefined;
		const self = new BatchReceive(addon, onMessage);
		try {
			self.receiver = addon.receiveStart(fd, self.onBatch, self.meta, self.hosts);
		} catch {
			self.receiver = undefined;
		}

		if (self.receiver) return self;
		handle.recvStart();
		return undefined;
	}

	/** Stops reading, before the socket closes: the addon's dup of the fd goes now. */
	stop(): void {
		if (!this.receiver) return;
		this.addon.receiveStop(this.receiver);
		this.receiver = undefined;
	}

	private readonly onBatch = (batch: Uint8Array, count: number) => {
		const {meta, hosts, onMessage} = this;
		const {buffer} = batch;
		const fields = this.addon.constants.META_FIELDS;
		let offset = batch.byteOffset;
		for (let i = 0, at = 0; i < count; i++, at += fields) {
			const length = meta[at];
			onMessage(new Uint8Array(buffer, offset, length), hosts[meta[at + 2]], meta[at + 1]);
			offset += length;
		}

		this.batches++;
		this.datagrams += count;
	};
}
