import {type ControlFrame, controlLength, encodeControl} from './control-frames.js';
import type {SendWindow} from './flow-control.js';
import {
	FRAME_DATA_BLOCKED,
	FRAME_MAX_DATA,
	FRAME_MAX_STREAM_DATA,
	FRAME_MAX_STREAMS,
	FRAME_STREAM_DATA_BLOCKED,
} from './flow-frames.js';
import type {SentPacket} from './sent-packets.js';
import type {StreamState} from './stream-state.js';
import {FRAME_RESET_STREAM, FRAME_STOP_SENDING} from './stream-frames.js';

const MIN_FRAME_ROOM = 8; // bytes: less than this left in a packet is not worth a STREAM frame

/** Current values for the connection-wide MAX_* frames. */
export type SchedulerLimits = {
	maxData(): number;
	maxStreams(): number;
	stream(id: number): StreamState | undefined;
	wake(): void;
};

/**
 * What a connection's streams owe the wire, and in which order: the round robin of streams with
 * data (retransmissions first inside each stream), streams held back only by the connection
 * window, and control frames (resets, STOP_SENDING, MAX_* updates with the newest value, BLOCKED
 * notices). Fills packets; re-queues control frames whose packets were lost.
 */
export class StreamScheduler {
	bytesRetransmitted = 0;
	maxDataDue = false;
	maxStreamsDue = false;
	private readonly connectionSend: SendWindow;
	private readonly limits: SchedulerLimits;
	private readonly sendQueue: StreamState[] = [];
	private cursor = 0;
	private readonly connectionBlocked: StreamState[] = [];
	private readonly controlQueue: StreamState[] = [];
	private readonly frames: ControlFrame[] = [];

	constructor(connectionSend: SendWindow, limits: SchedulerLimits) {
		this.connectionSend = connectionSend;
		this.limits = limits;
	}

	get hasControl(): boolean {
		return (
			this.maxDataDue ||
			this.maxStreamsDue ||
			this.controlQueue.length > 0 ||
			this.frames.length > 0
		);
	}

	get hasData(): boolean {
		return this.sendQueue.length > 0;
	}

	/** The stream may have something to send. */
	enqueue(state: StreamState): void {
		if (state.queued || state.id < 0 || state.removed) return;
		state.queued = true;
		this.sendQueue.push(state);
		this.limits.wake();
	}

	/** The stream owes a STOP_SENDING or MAX_STREAM_DATA (flags on its state). */
	controlDue(state: StreamState): void {
		if (!state.controlQueued) {
			state.controlQueued = true;
			this.controlQueue.push(state);
		}

		this.limits.wake();
	}

	/** A frame to send as it is (RESET_STREAM, BLOCKED notices). */
	queue(frame: ControlFrame): void {
		this.frames.push(frame);
		this.limits.wake();
	}

	/** MAX_DATA arrived: streams that waited only for connection credit go back in the rotation. */
	onConnectionCredit(): void {
		for (const state of this.connectionBlocked) this.enqueue(state);
		this.connectionBlocked.length = 0;
	}

	/** A packet carrying `frame` was lost: send it again, with today's value where that matters. */
	onLost(frame: ControlFrame): void {
		switch (frame.type) {
			case FRAME_RESET_STREAM: {
				this.frames.push(frame);
				break;
			}

			case FRAME_STOP_SENDING: {
				const state = this.limits.stream(frame.streamId);
				if (state && state.recv.finalSize < 0) {
					state.stopSendingCode = frame.errorCode;
					this.controlDue(state);
				}

				break;
			}

			case FRAME_MAX_STREAM_DATA: {
				const state = this.limits.stream(frame.streamId);
				if (state && state.recv.finalSize < 0) {
					state.maxStreamDataDue = true;
					this.controlDue(state);
				}

				break;
			}

			case FRAME_MAX_DATA: {
				this.maxDataDue = true;
				break;
			}

			case FRAME_MAX_STREAMS: {
				this.maxStreamsDue = true;
				break;
			}

			default: {
				break; // BLOCKED frames are advisory: not repeated
			}
		}
	}

	/** Writes due control frames into buffer[at, end); returns the new offset. */
	writeControl(buffer: Uint8Array, at: number, end: number, packet: SentPacket<ControlFrame>) {
		if (this.maxDataDue) {
			const frame: ControlFrame = {type: FRAME_MAX_DATA, maximum: this.limits.maxData()};
			if (controlLength(frame) > end - at) return at;
			at = emit(frame, buffer, at, packet);
			this.maxDataDue = false;
		}

		if (this.maxStreamsDue) {
			const frame: ControlFrame = {type: FRAME_MAX_STREAMS, maximum: this.limits.maxStreams()};
			if (controlLength(frame) > end - at) return at;
			at = emit(frame, buffer, at, packet);
			this.maxStreamsDue = false;
		}

		while (this.frames.length > 0) {
			const frame = this.frames[0];
			if (controlLength(frame) > end - at) return at;
			at = emit(frame, buffer, at, packet);
			this.frames.shift();
		}

		while (this.controlQueue.length > 0) {
			const state = this.controlQueue[0];
			if (state.stopSendingCode >= 0) {
				const frame: ControlFrame = {
					type: FRAME_STOP_SENDING,
					streamId: state.id,
					errorCode: state.stopSendingCode,
				};
				if (controlLength(frame) > end - at) return at;
				at = emit(frame, buffer, at, packet);
				state.stopSendingCode = -1;
			}

			if (state.maxStreamDataDue && state.recv.finalSize < 0 && !state.removed) {
				const frame: ControlFrame = {
					type: FRAME_MAX_STREAM_DATA,
					streamId: state.id,
					maximum: state.recv.window.limit,
				};
				if (controlLength(frame) > end - at) return at;
				at = emit(frame, buffer, at, packet);
			}

			state.maxStreamDataDue = false;
			state.controlQueued = false;
			this.controlQueue.shift();
		}

		return at;
	}

	/** Writes STREAM frames, round robin across streams, into buffer[at, end). */
	writeStreams(buffer: Uint8Array, at: number, end: number, packet: SentPacket<ControlFrame>) {
		const queue = this.sendQueue;
		let visited = 0;
		while (queue.length > 0 && end - at > MIN_FRAME_ROOM && visited <= queue.length) {
			if (this.cursor >= queue.length) this.cursor = 0;
			const state = queue[this.cursor];
			const send = state.send;
			const before = send.bytesRetransmitted;
			const next = state.removed
				? at
				: send.writeFrame(state.id, buffer, at, end, this.connectionSend, packet);
			this.bytesRetransmitted += send.bytesRetransmitted - before;
			if (next > at) {
				at = next;
				// The stream filled the packet: the next stream in turn starts the next packet.
				if (end - at <= MIN_FRAME_ROOM) {
					this.cursor++;
					break;
				}
			}

			if (state.removed || !send.hasDataToSend(this.connectionSend.available)) {
				this.dequeue(state);
			} else {
				this.cursor++;
				visited++;
			}
		}

		return at;
	}

	clear(): void {
		this.sendQueue.length = 0;
		this.connectionBlocked.length = 0;
		this.controlQueue.length = 0;
		this.frames.length = 0;
	}

	private dequeue(state: StreamState): void {
		const index = this.sendQueue.indexOf(state);
		if (index >= 0) {
			this.sendQueue.splice(index, 1);
			if (index < this.cursor) this.cursor--;
		}

		state.queued = false;
		if (state.removed || state.send.isReset) return;
		// Held back by a window: tell the peer (once per limit) and wait for its MAX_* frame.
		const streamLimit = state.send.blockedLimit();
		if (streamLimit >= 0) {
			this.frames.push({type: FRAME_STREAM_DATA_BLOCKED, streamId: state.id, limit: streamLimit});
		}

		const send = state.send;
		if (send.sendOffset < send.writeOffset && send.window.available > 0) {
			this.connectionBlocked.push(state);
			const limit = this.connectionSend.blocked();
			if (limit >= 0) this.frames.push({type: FRAME_DATA_BLOCKED, limit});
		}
	}
}

function emit(
	frame: ControlFrame,
	buffer: Uint8Array,
	at: number,
	packet: SentPacket<ControlFrame>,
): number {
	packet.addControl(frame);
	return encodeControl(frame, buffer, at);
}
