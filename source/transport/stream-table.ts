import {TornetError} from '../errors.js';
import type {ControlFrame} from './control-frames.js';
import {
	DEFAULT_CONNECTION_WINDOW,
	DEFAULT_MAX_CONNECTION_WINDOW,
	DEFAULT_MAX_STREAM_WINDOW,
	DEFAULT_STREAM_WINDOW,
	ReceiveWindow,
	SendWindow,
} from './flow-control.js';
import type {SentPacket} from './sent-packets.js';
import {FRAME_RESET_STREAM} from './stream-frames.js';
import {StreamScheduler} from './stream-scheduler.js';
import {StreamState} from './stream-state.js';

/**
 * Protocol constants both ends assume (there are no transport parameters in the handshake): the
 * first window of every stream in each direction, the connection's, and how many streams each
 * side may open before the other raises the limit with MAX_STREAMS.
 */
export const INITIAL_STREAM_WINDOW = DEFAULT_STREAM_WINDOW;
export const INITIAL_CONNECTION_WINDOW = DEFAULT_CONNECTION_WINDOW;
export const INITIAL_MAX_STREAMS = 100;
/** Stream-level error codes carried by RESET_STREAM and STOP_SENDING from this implementation. */
export const StreamErrorCode = {cancelled: 0, error: 1} as const;
const JOIN_MAX_BYTES = 64 * 1024; // largest chunk made by joining per-packet pieces for the reader
const JOIN_BELOW_BYTES = 8 * 1024; // larger pieces (big packets) are handed over without a copy

export type StreamHost = {
	now(): number;
	smoothedRtt(): number;
	/** Something became sendable: schedule a flush. */
	wake(): void;
	/** The peer opened a stream. */
	opened(state: StreamState): void;
};

export type StreamTableOptions = {
	/** Auto-tuning limits of the receive windows (the initial ones are protocol constants). */
	maxStreamWindow?: number;
	maxConnectionWindow?: number;
};

/**
 * The streams of one connection: ids (the connection's initiator opens 0, 4, 8, …, the responder
 * 1, 5, 9, …), limits on how many are open (MAX_STREAMS), connection-level flow control, frames
 * from the peer, and acknowledgements and losses of what the streams sent. What to send next is
 * the scheduler's business.
 */
export class StreamTable {
	readonly streams = new Map<number, StreamState>();
	readonly connectionSend = new SendWindow(INITIAL_CONNECTION_WINDOW);
	readonly connectionReceive: ReceiveWindow;
	readonly scheduler: StreamScheduler;
	closed = false;
	private readonly host: StreamHost;
	private readonly localBit: number;
	private readonly windows: {sendWindow: number; receiveWindow: number; maxReceiveWindow: number};
	/** Streams we have given ids, and how many the peer lets us open in total. */
	private localOpened = 0;
	private localLimit = INITIAL_MAX_STREAMS;
	private readonly waiting: StreamState[] = [];
	/** Streams the peer opened, and how many we let it open in total. */
	private peerOpened = 0;
	private peerLimit = INITIAL_MAX_STREAMS;
	private readonly deliveries: StreamState[] = [];

	constructor(host: StreamHost, initiator: boolean, options: StreamTableOptions = {}) {
		this.host = host;
		this.localBit = initiator ? 0 : 1;
		this.windows = {
			sendWindow: INITIAL_STREAM_WINDOW,
			receiveWindow: INITIAL_STREAM_WINDOW,
			maxReceiveWindow: options.maxStreamWindow ?? DEFAULT_MAX_STREAM_WINDOW,
		};
		this.connectionReceive = new ReceiveWindow(
			INITIAL_CONNECTION_WINDOW,
			options.maxConnectionWindow ?? DEFAULT_MAX_CONNECTION_WINDOW,
		);
		this.scheduler = new StreamScheduler(this.connectionSend, {
			maxData: () => this.connectionReceive.limit,
			maxStreams: () => this.peerLimit,
			stream: (id) => this.streams.get(id),
			wake: host.wake,
		});
	}

	/** Streams open (or waiting for an id) on this connection. */
	get openCount(): number {
		return this.streams.size + this.waiting.length;
	}

	/** A stream holds bytes flow control keeps back, or its writer waits (over its high-water mark). */
	get sendHeldBack(): boolean {
		for (const {send} of this.streams.values()) {
			if (!send.isReset && (send.sendOffset < send.writeOffset || !send.writable)) return true;
		}

		return false;
	}

	/** Some stream holds data (or a FIN) the peer has not acknowledged yet. */
	get unacknowledged(): boolean {
		if (this.waiting.some((state) => state.send.writeOffset > 0)) return true;
		for (const {send} of this.streams.values()) {
			if (!send.isReset && (send.bufferedBytes > 0 || (send.finWritten && !send.finAcked))) {
				return true;
			}
		}

		return false;
	}

	get bytesRetransmitted(): number {
		return this.scheduler.bytesRetransmitted;
	}

	/** A new local stream; it waits for an id while the peer's limit is reached. */
	open(highWaterMark?: number): StreamState {
		const state = new StreamState(true, this.windows, this.connectionReceive, highWaterMark);
		if (this.localOpened < this.localLimit) this.assign(state);
		else this.waiting.push(state);
		return state;
	}

	// --- the application's side ------------------------------------------------------------------

	write(state: StreamState, chunk: Uint8Array): TornetError | undefined {
		if (this.closed) return TornetError.connectionClosed('connection is closed');
		if (state.send.isReset) return TornetError.streamReset(state.send.resetCode);
		state.send.write(chunk);
		this.scheduler.enqueue(state);
		return undefined;
	}

	end(state: StreamState): void {
		if (this.closed || state.send.isReset) return;
		state.send.end();
		this.scheduler.enqueue(state);
	}

	/** The reader wants more: hand it what is in order, return credit to the peer. */
	resume(state: StreamState): void {
		state.paused = false;
		this.deliver(state);
	}

	/**
	 * The Duplex was destroyed (or reset): abandon the unfinished halves. Without `force` a send
	 * half whose FIN is written finishes in the background (autoDestroy after 'finish' is normal).
	 */
	abandon(state: StreamState, code: number, force: boolean): void {
		if (state.id < 0) {
			const index = this.waiting.indexOf(state);
			if (index >= 0) this.waiting.splice(index, 1);
			return;
		}

		if (this.closed || state.removed) return;
		if (!state.sendDone && (force || !state.send.finWritten)) this.resetSend(state, code);
		if (!state.recvDone && !state.ended) {
			state.recv.abandon();
			if (state.recv.finalSize < 0) {
				state.stopSendingCode = code;
				this.scheduler.controlDue(state);
			}
		}

		this.credit(state);
		this.maybeRemove(state);
	}

	/** Everything ends: the connection closed (with `error` when the peer or the path failed). */
	closeAll(error: TornetError | undefined): void {
		this.closed = true;
		const states = [...this.streams.values(), ...this.waiting];
		this.streams.clear();
		this.waiting.length = 0;
		this.deliveries.length = 0;
		this.scheduler.clear();
		for (const state of states) {
			state.removed = true;
			const sink = state.sink;
			if (!sink || sink.destroyed) continue;
			const finished = state.ended && state.send.finWritten;
			sink.destroy(error && !finished ? error : undefined);
		}
	}

	// --- frames from the peer --------------------------------------------------------------------

	/** `data` is a view of a packet this connection owns: it is kept without a copy. */
	onStream(id: number, offset: number, data: Uint8Array, fin: boolean): TornetError | undefined {
		const state = this.lookup(id);
		if (!(state instanceof StreamState)) return state;
		const error = state.recv.onData(offset, data, fin, true);
		if (error) return error;
		// Delivered once per batch of packets (deliverPending), in chunks joined across packets.
		if (!state.deliveryQueued) {
			state.deliveryQueued = true;
			this.deliveries.push(state);
			this.host.wake();
		}

		return undefined;
	}

	/** Hands the data received since the last call to the readers (before each flush). */
	deliverPending(): void {
		const deliveries = this.deliveries;
		for (let i = 0; i < deliveries.length; i++) {
			const state = deliveries[i];
			state.deliveryQueued = false;
			if (!state.removed) this.deliver(state);
		}

		deliveries.length = 0;
	}

	onResetStream(id: number, code: number, finalSize: number): TornetError | undefined {
		const state = this.lookup(id);
		if (!(state instanceof StreamState)) return state;
		const error = state.recv.onReset(code, finalSize);
		if (error) return error;
		if (state.sink && !state.sink.destroyed && !state.ended) {
			state.sink.destroy(TornetError.streamReset(code));
		}

		this.credit(state);
		this.maybeRemove(state);
		return undefined;
	}

	onStopSending(id: number, code: number): TornetError | undefined {
		const state = this.lookup(id);
		if (!(state instanceof StreamState)) return state;
		if (!state.sendDone) this.resetSend(state, code);
		if (state.sink && !state.sink.destroyed) state.sink.destroy(TornetError.streamReset(code));
		this.maybeRemove(state);
		return undefined;
	}

	onMaxStreamData(id: number, maximum: number): TornetError | undefined {
		const state = this.lookup(id);
		if (!(state instanceof StreamState)) return state;
		if (state.send.window.onMaximum(maximum)) this.scheduler.enqueue(state);
		return undefined;
	}

	onStreamDataBlocked(id: number): TornetError | undefined {
		const state = this.lookup(id);
		return state instanceof StreamState ? undefined : state;
	}

	onMaxData(maximum: number): void {
		if (this.connectionSend.onMaximum(maximum)) this.scheduler.onConnectionCredit();
	}

	onMaxStreams(maximum: number): void {
		if (maximum <= this.localLimit) return;
		this.localLimit = maximum;
		while (this.waiting.length > 0 && this.localOpened < this.localLimit) {
			this.assign(this.waiting.shift()!);
		}
	}

	// --- acknowledgements and losses ------------------------------------------------------------

	onStreamAcked(id: number, offset: number, length: number, fin: boolean): void {
		const state = this.streams.get(id);
		if (!state) return;
		state.send.onAck(offset, length, fin);
		state.sink?.onWritable();
		if (fin || state.send.isDone) this.maybeRemove(state);
	}

	onStreamLost(id: number, offset: number, length: number, fin: boolean): void {
		const state = this.streams.get(id);
		if (!state || state.send.isReset) return;
		state.send.onLost(offset, length, fin);
		this.scheduler.enqueue(state);
	}

	onControlLost(frame: ControlFrame): void {
		this.scheduler.onLost(frame);
	}

	get hasControl(): boolean {
		return this.scheduler.hasControl;
	}

	get hasData(): boolean {
		return this.scheduler.hasData;
	}

	writeControl(buffer: Uint8Array, at: number, end: number, packet: SentPacket<ControlFrame>) {
		return this.scheduler.writeControl(buffer, at, end, packet);
	}

	writeStreams(buffer: Uint8Array, at: number, end: number, packet: SentPacket<ControlFrame>) {
		return this.scheduler.writeStreams(buffer, at, end, packet);
	}

	// --- internals -------------------------------------------------------------------------------

	private assign(state: StreamState): void {
		state.id = this.localOpened++ * 4 + this.localBit;
		this.streams.set(state.id, state);
		if (state.send.writeOffset > 0 || state.send.finWritten) this.scheduler.enqueue(state);
	}

	/**
	 * The stream a frame names: an open one, one the peer opens now (with every lower id it
	 * skipped), undefined for one already closed, or an error for an id that cannot be.
	 */
	private lookup(id: number): StreamState | TornetError | undefined {
		const known = this.streams.get(id);
		if (known) return known;
		if (this.closed) return undefined;
		if (id % 4 >= 2) return TornetError.protocolViolation(`stream ${id} is unidirectional`);
		const index = Math.floor(id / 4);
		if (id % 2 === this.localBit) {
			return index < this.localOpened
				? undefined
				: TornetError.protocolViolation(`stream ${id} was never opened`);
		}

		if (index < this.peerOpened) return undefined;
		if (index >= this.peerLimit) {
			return TornetError.protocolViolation(`stream ${id} beyond the limit of ${this.peerLimit}`);
		}

		while (this.peerOpened <= index) {
			const state = new StreamState(false, this.windows, this.connectionReceive);
			state.id = this.peerOpened++ * 4 + (1 - this.localBit);
			this.streams.set(state.id, state);
			this.host.opened(state);
		}

		return this.streams.get(id);
	}

	/** Hands in-order bytes to the reader until its buffer is full, then returns flow credit. */
	private deliver(state: StreamState): void {
		const {recv, sink} = state;
		if (sink && !sink.destroyed && !state.ended) {
			while (!state.paused) {
				const piece = recv.readJoined(JOIN_MAX_BYTES, JOIN_BELOW_BYTES);
				if (!piece) break;
				if (!sink.push(piece)) state.paused = true;
			}

			if (recv.isFinished && !state.ended) {
				state.ended = true;
				sink.push(null);
			}
		}

		this.credit(state);
		this.maybeRemove(state);
	}

	/** Flow credit the reader's progress earned, as MAX_STREAM_DATA / MAX_DATA when due. */
	private credit(state: StreamState): void {
		const now = this.host.now();
		const rtt = this.host.smoothedRtt();
		if (state.recv.maxStreamDataUpdate(now, rtt) > 0) {
			state.maxStreamDataDue = true;
			this.scheduler.controlDue(state);
		}

		if (this.connectionReceive.update(now, rtt) > 0) {
			this.scheduler.maxDataDue = true;
			this.host.wake();
		}
	}

	private resetSend(state: StreamState, code: number): void {
		const finalSize = state.send.reset(code);
		this.scheduler.queue({
			type: FRAME_RESET_STREAM,
			streamId: state.id,
			errorCode: code,
			finalSize,
		});
	}

	private maybeRemove(state: StreamState): void {
		if (state.removed || !state.sendDone || !state.recvDone) return;
		state.removed = true;
		this.streams.delete(state.id);
		if (!state.local) {
			// The peer may open one more: raise its limit.
			this.peerLimit++;
			this.scheduler.maxStreamsDue = true;
			this.host.wake();
		}
	}
}
