import {Duplex} from 'node:stream';
import {TornetError} from '../errors.js';
import type {StreamSink, StreamState} from './stream-state.js';
import {StreamErrorCode, type StreamTable} from './stream-table.js';

export type StreamOptions = {
	/**
	 * Bytes written but not yet acknowledged before write() returns false. Written buffers are kept
	 * by reference until acknowledged: do not modify a buffer after writing it.
	 */
	highWaterMark?: number;
	/** Bytes the reader may leave unread before the stream stops returning flow credit. */
	readableHighWaterMark?: number;
};

const READABLE_HIGH_WATER_MARK = 256 * 1024;
const WRITABLE_HIGH_WATER_MARK = 64 * 1024; // in front of the send buffer: a little slack only

/**
 * One reliable, ordered stream of a connection as a Node Duplex. Backpressure both ways: write()
 * returns false while the send buffer (unacknowledged bytes) is over its high-water mark, and a
 * reader that stops reading stops the peer through flow control. end() sends a FIN; destroy()
 * before the end resets the stream (RESET_STREAM and STOP_SENDING); a reset by the peer arrives as
 * an 'error' with code STREAM_RESET.
 */
export class TornetStream extends Duplex implements StreamSink {
	readonly state: StreamState;
	private readonly table: StreamTable;
	private readonly wake: () => void;
	private heldWrite: ((error?: Error | null) => void) | undefined;
	private resetCode = -1;

	constructor(
		table: StreamTable,
		state: StreamState,
		wake: () => void,
		options: StreamOptions = {},
	) {
		super({
			allowHalfOpen: true,
			readableHighWaterMark: options.readableHighWaterMark ?? READABLE_HIGH_WATER_MARK,
			writableHighWaterMark: WRITABLE_HIGH_WATER_MARK,
		});
		this.table = table;
		this.state = state;
		this.wake = wake;
		state.sink = this;
	}

	/** The stream id on the wire; -1 while the peer's stream limit keeps this stream waiting. */
	get id(): number {
		return this.state.id;
	}

	/** True for a stream this side opened. */
	get local(): boolean {
		return this.state.local;
	}

	/** Abandons the stream in both directions with an application error code. */
	reset(code: number = StreamErrorCode.cancelled): void {
		if (this.destroyed) return;
		this.resetCode = code;
		this.destroy();
	}

	onWritable(): void {
		const callback = this.heldWrite;
		if (callback && this.state.send.writable) {
			this.heldWrite = undefined;
			callback();
		}
	}

	override _write(
		chunk: Buffer,
		_encoding: BufferEncoding,
		callback: (error?: Error | null) => void,
	) {
		const error = this.table.write(this.state, chunk);
		if (error) {
			callback(error);
			return;
		}

		this.wake();
		if (this.state.send.writable) callback();
		else this.heldWrite = callback;
	}

	override _final(callback: (error?: Error | null) => void): void {
		this.table.end(this.state);
		this.wake();
		callback();
	}

	override _read(): void {
		this.table.resume(this.state);
		this.wake();
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		const held = this.heldWrite;
		this.heldWrite = undefined;
		const force = error !== null || this.resetCode >= 0;
		let code: number = error ? StreamErrorCode.error : StreamErrorCode.cancelled;
		if (this.resetCode >= 0) code = this.resetCode;
		this.table.abandon(this.state, code, force);
		this.wake();
		held?.(error ?? TornetError.streamReset(code));
		callback(error);
	}
}
