import {TornetError} from '../errors.js';
import {SendWindow} from './flow-control.js';
import {RangeSet} from './range-set.js';
import type {SentPacket} from './sent-packets.js';
import {streamDataRoom, streamHeaderLength, writeStreamHeader} from './stream-frames.js';

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024; // bytes written but not yet acknowledged
const COMPACT_AT = 256; // released chunk slots before the chunk array is compacted

/** One STREAM frame's worth of the stream, chosen by nextChunk (the object is reused). */
export type StreamChunk = {
	offset: number;
	length: number;
	fin: boolean;
	/** Bytes never sent before (these count against the connection's flow-control window). */
	newBytes: number;
};

/**
 * The sending half of a stream: the application's bytes (kept by reference until acknowledged,
 * never copied), which ranges are unsent, in flight, acknowledged or to be retransmitted, the FIN,
 * reset, and the peer's MAX_STREAM_DATA. Retransmissions go first and never re-send acked bytes.
 */
export class SendStream {
	readonly window: SendWindow;
	readonly highWaterMark: number;
	/** End of the byte queue: everything the application wrote. */
	writeOffset = 0;
	/** First byte never sent. */
	sendOffset = 0;
	/** Bytes acknowledged contiguously from 0 (released from the buffer). */
	ackedPrefix = 0;
	finWritten = false;
	finAcked = false;
	/** Error code once reset (by us, or answering the peer's STOP_SENDING); -1 while open. */
	resetCode = -1;
	/** Set when write() returned false; cleared by takeDrain(). */
	needsDrain = false;
	bytesRetransmitted = 0;
	private finSent = false;
	private readonly acked = new RangeSet();
	private readonly retransmit = new RangeSet();
	private readonly chunks: Array<Uint8Array | undefined> = [];
	private readonly chunkStarts: number[] = [];
	private head = 0;
	private readonly chunk: StreamChunk = {offset: 0, length: 0, fin: false, newBytes: 0};

	constructor(peerMaxStreamData: number, highWaterMark = DEFAULT_HIGH_WATER_MARK) {
		this.window = new SendWindow(peerMaxStreamData);
		this.highWaterMark = highWaterMark;
	}

	/** Written but not yet acknowledged (what backpressure is measured on). */
	get bufferedBytes(): number {
		return this.writeOffset - this.ackedPrefix;
	}

	get writable(): boolean {
		return this.bufferedBytes < this.highWaterMark;
	}

	get isReset(): boolean {
		return this.resetCode >= 0;
	}

	/** Everything including the FIN was acknowledged: the sending half is finished. */
	get isDone(): boolean {
		return this.finAcked && this.ackedPrefix === this.writeOffset;
	}

	/**
	 * Queues bytes (kept by reference: do not modify them afterwards). Returns false when the
	 * buffer is over the high-water mark: wait for takeDrain() before writing more.
	 */
	write(data: Uint8Array): boolean {
		if (this.finWritten || this.isReset) {
			throw TornetError.badArgument('write after the stream was ended or reset');
		}

		if (data.length > 0) {
			this.chunks.push(data);
			this.chunkStarts.push(this.writeOffset);
			this.writeOffset += data.length;
		}

		if (this.writable) return true;
		this.needsDrain = true;
		return false;
	}

	end(): void {
		this.finWritten = true;
	}

	/** True once after write() returned false and the buffer fell below the high-water mark. */
	takeDrain(): boolean {
		if (!this.needsDrain || !this.writable) return false;
		this.needsDrain = false;
		return true;
	}

	/** Whether nextChunk would return something given this much connection credit. */
	hasDataToSend(connectionCredit: number): boolean {
		if (this.isReset) return false;
		if (!this.retransmit.isEmpty) return true;
		if (this.sendOffset < this.writeOffset) {
			return this.window.available > 0 && connectionCredit > 0;
		}

		return this.finWritten && !this.finSent;
	}

	/**
	 * The next range to send, at most `maxLength` bytes: lost ranges first, then new bytes within
	 * the peer's stream window and `connectionCredit`, then a lone FIN. Undefined when nothing.
	 */
	nextChunk(maxLength: number, connectionCredit: number): StreamChunk | undefined {
		if (this.isReset) return undefined;
		const chunk = this.chunk;
		const finalSize = this.finWritten ? this.writeOffset : -1;
		if (!this.retransmit.isEmpty && maxLength > 0) {
			const start = this.retransmit.starts[0];
			const end = Math.min(this.retransmit.ends[0], start + maxLength);
			this.retransmit.remove(start, end);
			chunk.offset = start;
			chunk.length = end - start;
			chunk.fin = end === finalSize;
			chunk.newBytes = 0;
			if (chunk.fin) this.finSent = true;
			this.bytesRetransmitted += chunk.length;
			return chunk;
		}

		const length = Math.min(
			this.writeOffset - this.sendOffset,
			this.window.available,
			connectionCredit,
			maxLength,
		);
		if (length > 0) {
			chunk.offset = this.sendOffset;
			chunk.length = length;
			this.sendOffset += length;
			this.window.consume(length);
			chunk.fin = this.sendOffset === finalSize;
			chunk.newBytes = length;
			if (chunk.fin) this.finSent = true;
			return chunk;
		}

		if (this.finWritten && !this.finSent && this.sendOffset === this.writeOffset) {
			chunk.offset = this.sendOffset;
			chunk.length = 0;
			chunk.fin = true;
			chunk.newBytes = 0;
			this.finSent = true;
			return chunk;
		}

		return undefined;
	}

	/**
	 * Encodes the next STREAM frame into buffer[at, end) and records it in `packet`. Returns the
	 * offset after the frame (`at` when nothing fits or nothing is waiting). New bytes are
	 * charged to `connection` (the connection-level window).
	 */
	writeFrame(
		streamId: number,
		buffer: Uint8Array,
		at: number,
		end: number,
		connection: SendWindow,
		packet: SentPacket<unknown>,
	): number {
		const next = this.retransmit.isEmpty ? this.sendOffset : this.retransmit.starts[0];
		if (end - at < streamHeaderLength(streamId, next, 0)) return at;
		const room = streamDataRoom(streamId, next, end - at);
		const chunk = this.nextChunk(room, connection.available);
		if (!chunk) return at;
		connection.consume(chunk.newBytes);
		at = writeStreamHeader(buffer, at, streamId, chunk.offset, chunk.length, chunk.fin);
		this.copy(chunk.offset, chunk.length, buffer, at);
		packet.addStream(streamId, chunk.offset, chunk.length, chunk.fin);
		return at + chunk.length;
	}

	/** Copies stream bytes [offset, offset + length) into `target` at `at`. */
	copy(offset: number, length: number, target: Uint8Array, at: number): void {
		let i = this.chunkIndex(offset);
		while (length > 0) {
			const data = this.chunks[i]!;
			const from = offset - this.chunkStarts[i];
			const count = Math.min(data.length - from, length);
			// A plain view, not data.subarray(): on a Buffer that goes through Node's species constructor.
			target.set(
				count === data.length ? data : new Uint8Array(data.buffer, data.byteOffset + from, count),
				at,
			);
			at += count;
			offset += count;
			length -= count;
			i++;
		}
	}

	/** A STREAM frame this stream sent was acknowledged. */
	onAck(offset: number, length: number, fin: boolean): void {
		if (this.isReset) return;
		if (fin) this.finAcked = true;
		if (length === 0) return;
		this.acked.add(offset, offset + length);
		this.retransmit.remove(offset, offset + length);
		const prefix = this.acked.starts[0] === 0 ? this.acked.ends[0] : 0;
		if (prefix > this.ackedPrefix) this.release(prefix);
	}

	/** A STREAM frame this stream sent was lost: its still-unacknowledged bytes go out again. */
	onLost(offset: number, length: number, fin: boolean): void {
		if (this.isReset) return;
		if (fin && !this.finAcked) this.finSent = false;
		const end = offset + length;
		let position = Math.max(offset, this.ackedPrefix);
		const {starts, ends} = this.acked;
		for (let i = this.acked.indexEndingAfter(position); i < starts.length && position < end; i++) {
			if (starts[i] > position) this.retransmit.add(position, Math.min(starts[i], end));
			position = Math.max(position, ends[i]);
		}

		if (position < end) this.retransmit.add(position, end);
	}

	/** MAX_STREAM_DATA from the peer. */
	onMaxStreamData(maximum: number): void {
		this.window.onMaximum(maximum);
	}

	/** The limit for a STREAM_DATA_BLOCKED frame, once per limit; -1 when not blocked. */
	blockedLimit(): number {
		return this.sendOffset < this.writeOffset ? this.window.blocked() : -1;
	}

	/**
	 * Abandons the stream (also the answer to STOP_SENDING). Returns the final size for the
	 * RESET_STREAM frame; buffered bytes are released.
	 */
	reset(errorCode: number): number {
		if (!this.isReset) {
			this.resetCode = errorCode;
			this.retransmit.clear();
			this.chunks.length = 0;
			this.chunkStarts.length = 0;
			this.head = 0;
			this.ackedPrefix = this.writeOffset;
		}

		return this.sendOffset;
	}

	private chunkIndex(offset: number): number {
		let low = this.head;
		let high = this.chunkStarts.length - 1;
		while (low < high) {
			const mid = (low + high + 1) >>> 1;
			if (this.chunkStarts[mid] <= offset) low = mid;
			else high = mid - 1;
		}

		return low;
	}

	private release(prefix: number): void {
		this.ackedPrefix = prefix;
		const chunks = this.chunks;
		while (this.head < chunks.length) {
			const data = chunks[this.head]!;
			if (this.chunkStarts[this.head] + data.length > prefix) break;
			chunks[this.head++] = undefined;
		}

		if (this.head >= COMPACT_AT && this.head * 2 >= chunks.length) {
			chunks.splice(0, this.head);
			this.chunkStarts.splice(0, this.head);
			this.head = 0;
		}
	}
}
