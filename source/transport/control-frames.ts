import type {Reader} from '../util/varint.js';
import {
	type DataBlockedFrame,
	decodeDataBlocked,
	decodeMaxData,
	decodeMaxStreamData,
	decodeMaxStreams,
	decodeStreamDataBlocked,
	encodeDataBlocked,
	encodeMaxData,
	encodeMaxStreamData,
	encodeMaxStreams,
	encodeStreamDataBlocked,
	dataBlockedLength,
	FRAME_DATA_BLOCKED,
	FRAME_MAX_DATA,
	FRAME_MAX_STREAM_DATA,
	FRAME_MAX_STREAMS,
	FRAME_STREAM_DATA_BLOCKED,
	type MaxDataFrame,
	maxDataLength,
	type MaxStreamDataFrame,
	maxStreamDataLength,
	type MaxStreamsFrame,
	maxStreamsLength,
	type StreamDataBlockedFrame,
	streamDataBlockedLength,
} from './flow-frames.js';
import {
	decodeResetStream,
	decodeStopSending,
	encodeResetStream,
	encodeStopSending,
	FRAME_RESET_STREAM,
	FRAME_STOP_SENDING,
	type ResetStreamFrame,
	resetStreamLength,
	type StopSendingFrame,
	stopSendingLength,
} from './stream-frames.js';

/**
 * The small frames of stream and flow control: retransmitted when lost (with the current value for
 * MAX_* frames), remembered in SentPacket.control.
 */
export type ControlFrame =
	| ResetStreamFrame
	| StopSendingFrame
	| MaxDataFrame
	| MaxStreamDataFrame
	| DataBlockedFrame
	| StreamDataBlockedFrame
	| MaxStreamsFrame;

export function isControlFrameType(type: number): boolean {
	return type >= FRAME_RESET_STREAM && type <= FRAME_MAX_STREAMS;
}

export function controlLength(frame: ControlFrame): number {
	switch (frame.type) {
		case FRAME_RESET_STREAM: {
			return resetStreamLength(frame);
		}

		case FRAME_STOP_SENDING: {
			return stopSendingLength(frame);
		}

		case FRAME_MAX_DATA: {
			return maxDataLength(frame);
		}

		case FRAME_MAX_STREAM_DATA: {
			return maxStreamDataLength(frame);
		}

		case FRAME_DATA_BLOCKED: {
			return dataBlockedLength(frame);
		}

		case FRAME_STREAM_DATA_BLOCKED: {
			return streamDataBlockedLength(frame);
		}

		case FRAME_MAX_STREAMS: {
			return maxStreamsLength(frame);
		}
	}
}

export function encodeControl(frame: ControlFrame, buffer: Uint8Array, offset: number): number {
	switch (frame.type) {
		case FRAME_RESET_STREAM: {
			return encodeResetStream(frame, buffer, offset);
		}

		case FRAME_STOP_SENDING: {
			return encodeStopSending(frame, buffer, offset);
		}

		case FRAME_MAX_DATA: {
			return encodeMaxData(frame, buffer, offset);
		}

		case FRAME_MAX_STREAM_DATA: {
			return encodeMaxStreamData(frame, buffer, offset);
		}

		case FRAME_DATA_BLOCKED: {
			return encodeDataBlocked(frame, buffer, offset);
		}

		case FRAME_STREAM_DATA_BLOCKED: {
			return encodeStreamDataBlocked(frame, buffer, offset);
		}

		case FRAME_MAX_STREAMS: {
			return encodeMaxStreams(frame, buffer, offset);
		}
	}
}

/** Decodes the control frame of `type` (already read); undefined for bad bytes or another type. */
export function decodeControl(type: number, reader: Reader): ControlFrame | undefined {
	switch (type) {
		case FRAME_RESET_STREAM: {
			return decodeResetStream(reader);
		}

		case FRAME_STOP_SENDING: {
			return decodeStopSending(reader);
		}

		case FRAME_MAX_DATA: {
			return decodeMaxData(reader);
		}

		case FRAME_MAX_STREAM_DATA: {
			return decodeMaxStreamData(reader);
		}

		case FRAME_DATA_BLOCKED: {
			return decodeDataBlocked(reader);
		}

		case FRAME_STREAM_DATA_BLOCKED: {
			return decodeStreamDataBlocked(reader);
		}

		case FRAME_MAX_STREAMS: {
			return decodeMaxStreams(reader);
		}

		default: {
			return undefined;
		}
	}
}
