import {type UdpBatchAddon, UdpBatchState} from './udp-batch.js';

/** Packets per native call: a paced burst of a large window, in a few GSO messages of ≤ 64 KB. */
export const MAX_BATCH_PACKETS = 256;
/** Bytes per native call: the kernel copies them all before the call returns. */
const MAX_BATCH_BYTES = 1024 * 1024;

/**
 * Packets to one destination collected for one native send: they lie end to end in one buffer
 * (consecutive packets of the send ring), so the batch is a start, a byte count and an
 * Int32Array of lengths; no object per packet.
 */
export class SendBatch {
	count = 0;
	host = '';
	port = 0;
	private readonly addon: UdpBatchAddon;
	private readonly fd: number;
	private readonly lengths = new Int32Array(MAX_BATCH_PACKETS);
	private readonly state: Int32Array;
	private buffer: ArrayBufferLike | undefined;
	private start = 0;
	private bytes = 0;

	constructor(addon: UdpBatchAddon, fd: number, ipv6Socket: boolean) {
		this.addon = addon;
		this.fd = fd;
		const {FLAG_GSO, FLAG_IPV6_SOCKET, STATE_LENGTH} = addon.constants;
		this.state = new Int32Array(STATE_LENGTH);
		const gso = addon.gsoSupported(fd) ? FLAG_GSO : 0;
		this.state[UdpBatchState.flags] = gso | (ipv6Socket ? FLAG_IPV6_SOCKET : 0);
	}

	/** Whether the kernel still takes GSO messages from this socket. */
	get gso(): boolean {
		return (this.state[UdpBatchState.flags] & this.addon.constants.FLAG_GSO) !== 0;
	}

	/** sendmmsg calls so far. */
	get calls(): number {
		return this.state[UdpBatchState.calls];
	}

	/** GSO messages the kernel took so far (each several datagrams). */
	get gsoMessages(): number {
		return this.state[UdpBatchState.gsoMessages];
	}

	/** The errno that stopped the last send early (0: all went). */
	get lastErrno(): number {
		return this.state[UdpBatchState.errno];
	}

	/** Adds the packet when it continues the batch (same peer, right after the last packet). */
	append(packet: Uint8Array, host: string, port: number): boolean {
		const {count} = this;
		if (count > 0) {
			if (
				count === MAX_BATCH_PACKETS ||
				packet.buffer !== this.buffer ||
				packet.byteOffset !== this.start + this.bytes ||
				port !== this.port ||
				host !== this.host ||
				this.bytes + packet.length > MAX_BATCH_BYTES
			) {
				return false;
			}
		} else {
			this.buffer = packet.buffer;
			this.start = packet.byteOffset;
			this.host = host;
			this.port = port;
		}

		this.lengths[count] = packet.length;
		this.bytes += packet.length;
		this.count = count + 1;
		return true;
	}

	/** Sends the batch in one native call; returns how many packets left (the first ones). */
	send(): number {
		if (this.count === 0) return 0;
		const packets = new Uint8Array(this.buffer!, this.start, this.bytes);
		try {
			return this.addon.send(
				this.fd,
				packets,
				this.lengths,
				this.count,
				this.host,
				this.port,
				this.state,
			);
		} catch {
			// Refused arguments (a closed socket's fd is no longer a number, say): none went.
			return 0;
		}
	}

	/** Views of the packets from `first` on (those the native call did not send). */
	packetsFrom(first: number): Uint8Array[] {
		const views: Uint8Array[] = [];
		let offset = this.start;
		for (let i = 0; i < this.count; i++) {
			if (i >= first) views.push(new Uint8Array(this.buffer!, offset, this.lengths[i]));
			offset += this.lengths[i];
		}

		return views;
	}

	clear(): void {
		this.count = 0;
		this.bytes = 0;
		this.buffer = undefined;
	}
}
