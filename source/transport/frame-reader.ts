import {TornetError} from '../errors.js';
import {Reader, VARINT_MAX} from '../util/varint.js';
import {type AckFrame, createAckFrame, decodeAck} from './ack-frame.js';
import {decodeControl, isControlFrameType} from './control-frames.js';
import {
	FRAME_DATA_BLOCKED,
	FRAME_MAX_DATA,
	FRAME_MAX_STREAM_DATA,
	FRAME_MAX_STREAMS,
	FRAME_STREAM_DATA_BLOCKED,
} from './flow-frames.js';
import {type CloseFrame, FrameType, readCloseFrame, readDatagramFrame} from './frames.js';
import type {PacketSender} from './packet-sender.js';
import {FRAME_RESET_STREAM, FRAME_STOP_SENDING} from './stream-frames.js';
import type {StreamTable} from './stream-table.js';

const FLAG_FIN = 0x01;

/** What the frames of a packet may do to their connection besides the stream table and sender. */
export type FrameTarget = {
	isOpen(): boolean;
	onDatagram(data: Buffer): void;
	onClose(frame: CloseFrame | undefined): void;
};

export type FrameResult = {
	/** The packet held a frame other than ACK, PADDING and CLOSE: it must be acknowledged. */
	ackEliciting: boolean;
	/** A malformed frame or a peer breaking the rules: close the connection with this. */
	error: TornetError | undefined;
};

/**
 * Parses and dispatches the frames of one authenticated packet. Total: bad bytes give an error
 * result (the connection closes with a protocol violation), never an exception.
 */
export class FrameReader {
	private readonly streams: StreamTable;
	private readonly sender: PacketSender;
	private readonly target: FrameTarget;
	private readonly ack: AckFrame = createAckFrame();
	private readonly result: FrameResult = {ackEliciting: false, error: undefined};

	constructor(streams: StreamTable, sender: PacketSender, target: FrameTarget) {
		this.streams = streams;
		this.sender = sender;
		this.target = target;
	}

	/** The result object is reused by the next call. */
	read(plaintext: Uint8Array, now: number): FrameResult {
		const result = this.result;
		result.ackEliciting = false;
		result.error = undefined;
		const reader = new Reader(plaintext);
		while (!reader.done && this.target.isOpen() && !result.error) {
			const type = reader.u8();
			if (type === FrameType.padding) break;
			if (type === FrameType.ack) {
				const frame = decodeAck(reader, this.ack);
				result.error = frame
					? this.sender.onAck(frame, now)
					: TornetError.protocolViolation('malformed ACK frame');
				continue;
			}

			if (type === FrameType.close) {
				this.target.onClose(readCloseFrame(reader));
				break;
			}

			result.ackEliciting = true;
			result.error = this.readEliciting(type, reader);
		}

		return result;
	}

	private readEliciting(type: number, reader: Reader): TornetError | undefined {
		switch (type) {
			case FrameType.ping: {
				return undefined;
			}

			case FrameType.datagram: {
				const data = readDatagramFrame(reader);
				if (!data) return TornetError.protocolViolation('malformed DATAGRAM frame');
				this.target.onDatagram(Buffer.from(data));
				return undefined;
			}

			case FrameType.stream: {
				// Inline rather than decodeStream(): no object per frame on the data path.
				const flags = reader.u8();
				const id = reader.varint();
				const offset = reader.varint();
				const length = reader.varint();
				const data = reader.bytesView(length);
				if (reader.failed || (flags & ~FLAG_FIN) !== 0 || offset + length > VARINT_MAX) {
					return TornetError.protocolViolation('malformed STREAM frame');
				}

				return this.streams.onStream(id, offset, data, (flags & FLAG_FIN) !== 0);
			}

			default: {
				return this.readControl(type, reader);
			}
		}
	}

	private readControl(type: number, reader: Reader): TornetError | undefined {
		if (!isControlFrameType(type)) {
			return TornetError.protocolViolation(`unknown frame type ${type}`);
		}

		const frame = decodeControl(type, reader);
		if (!frame) return TornetError.protocolViolation(`malformed frame of type ${type}`);
		const streams = this.streams;
		switch (frame.type) {
			case FRAME_RESET_STREAM: {
				return streams.onResetStream(frame.streamId, frame.errorCode, frame.finalSize);
			}

			case FRAME_STOP_SENDING: {
				return streams.onStopSending(frame.streamId, frame.errorCode);
			}

			case FRAME_MAX_DATA: {
				streams.onMaxData(frame.maximum);
				return undefined;
			}

			case FRAME_MAX_STREAM_DATA: {
				return streams.onMaxStreamData(frame.streamId, frame.maximum);
			}

			case FRAME_STREAM_DATA_BLOCKED: {
				return streams.onStreamDataBlocked(frame.streamId);
			}

			case FRAME_MAX_STREAMS: {
				streams.onMaxStreams(frame.maximum);
				return undefined;
			}

			case FRAME_DATA_BLOCKED: {
				return undefined;
			}
		}
	}
}
