import {ReceiveWindow} from './flow-control.js';
import {RecvStream} from './recv-stream.js';
import {SendStream} from './send-stream.js';

/** What a stream's Duplex must offer the transport. */
export type StreamSink = {
	readonly destroyed: boolean;
	/** In-order bytes for the reader; false when its buffer is full (stop until `_read`). */
	push(chunk: Buffer | null): boolean;
	destroy(error?: Error): void;
	/** Acknowledgements freed send buffer: a held write callback may run. */
	onWritable(): void;
};

/**
 * Both halves of one stream as the transport sees them, plus the few flags that schedule its
 * frames. The Duplex the application holds is `sink`; this state can outlive it (a FIN still
 * waiting for its acknowledgement after the application is done with the stream).
 */
export class StreamState {
	/** -1 while the peer's stream limit keeps it waiting for an id. */
	id = -1;
	readonly local: boolean;
	readonly send: SendStream;
	readonly recv: RecvStream;
	sink: StreamSink | undefined;
	/** In the send rotation. */
	queued = false;
	/** The reader's buffer is full: in-order bytes wait in `recv` (and hold back flow credit). */
	paused = false;
	/** The end of the readable side was pushed. */
	ended = false;
	/** Received data waits for the next delivery (once per batch of packets). */
	deliveryQueued = false;
	maxStreamDataDue = false;
	/** STOP_SENDING to send, with this code; -1 for none. */
	stopSendingCode = -1;
	/** In the list of streams with a control frame due. */
	controlQueued = false;
	removed = false;

	constructor(
		local: boolean,
		options: {sendWindow: number; receiveWindow: number; maxReceiveWindow: number},
		connectionWindow: ReceiveWindow,
		highWaterMark?: number,
	) {
		this.local = local;
		this.send = new SendStream(options.sendWindow, highWaterMark);
		this.recv = new RecvStream(
			new ReceiveWindow(options.receiveWindow, options.maxReceiveWindow),
			connectionWindow,
		);
	}

	/** Sending is over: everything acknowledged, or abandoned by a reset. */
	get sendDone(): boolean {
		return this.send.isReset || this.send.isDone;
	}

	/** Receiving is over: the final size is known and every byte up to it was read or dropped. */
	get recvDone(): boolean {
		const {finalSize, readOffset} = this.recv;
		return finalSize >= 0 && readOffset >= finalSize;
	}
}
