import {TornetError} from '../../errors.js';
import type {Connection} from '../../transport/connection.js';
import type {PartialChunk} from '../partial-chunk.js';
import {SLICE_BYTES, sliceLength} from '../slices.js';
import {
	decodeErrorBody,
	decodeStatus,
	encodeGetRequest,
	MAX_ERROR_BYTES,
	PROTOCOL_RESET_CODE,
} from './protocol.js';
import {readBytes} from './stream-io.js';

export type RangeOutcome = {
	/** Verified bytes written to the partial chunk. */
	bytes: number;
	/** Bytes received in all (verified or not). */
	received: number;
	/** Set when the holder did not deliver the whole range. */
	error?: TornetError;
	/** The holder sent bytes that are not the chunk (a bad slice, a malformed reply): penalise it. */
	hostile?: boolean;
};

export type RangeOptions = {
	/** A holder that sends nothing for this long is given up on (REQUEST_TIMEOUT). */
	stallMs: number;
	signal?: AbortSignal;
	/** Each verified slice, as it is written (another holder may have delivered it too). */
	onSlice?: (index: number, bytes: Buffer) => void;
	/** Asked before each slice: false stops the request there (another holder took the rest). */
	wants?: (index: number) => boolean;
	/**
	 * Given a function that tells the first slice of the range whose bytes have not all arrived yet
	 * (read or waiting in the stream's buffer): what an endgame must not take over.
	 */
	onProgress?: (inHand: () => number) => void;
};

/**
 * One GET (protocol.ts): asks a holder for slices [first, first + count) of `chunk` over a new
 * stream and writes each slice into the partial chunk as it arrives, verified. Problems with the
 * holder come back in the outcome (the slices that did arrive stay written); only local failures
 * (the partial chunk closed under us, the store gone) throw.
 */
export async function requestRange(
	connection: Connection,
	chunk: PartialChunk,
	range: {first: number; count: number; eventId: Buffer},
	options: RangeOptions,
): Promise<RangeOutcome> {
	const stream = connection.openStream();
	stream.on('error', () => undefined);
	const onAbort = () => {
		stream.reset();
	};

	options.signal?.addEventListener('abort', onAbort, {once: true});
	const outcome: RangeOutcome = {bytes: 0, received: 0};
	let reading = range.first;
	options.onProgress?.(() => {
		const buffered = Math.floor(stream.readableLength / SLICE_BYTES);
		return Math.min(range.first + range.count, reading + buffered);
	});
	const fail = (error: TornetError, hostile = false): RangeOutcome => {
		stream.reset(PROTOCOL_RESET_CODE);
		return {...outcome, error, hostile};
	};

	try {
		stream.end(encodeGetRequest({chunkId: chunk.id, ...range}));
		const status = await readBytes(stream, 1, options.stallMs);
		if (!Buffer.isBuffer(status)) return fail(status);
		if (status.length === 0) return fail(TornetError.protocolViolation('GET answered by nothing'));
		const kind = decodeStatus(status[0]);
		if (kind === 'bad') return fail(TornetError.protocolViolation('GET reply status'), true);
		if (kind === 'error') {
			const body = await readBytes(stream, MAX_ERROR_BYTES, options.stallMs);
			if (!Buffer.isBuffer(body)) return fail(body);
			const error = decodeErrorBody(body);
			return error ? {...outcome, error} : fail(TornetError.protocolViolation('GET error'), true);
		}

		for (let index = range.first; index < range.first + range.count; index++) {
			if (options.wants && !options.wants(index)) {
				stream.reset();
				return outcome;
			}

			reading = index;
			const length = sliceLength(chunk.size, index);
			const bytes = await readBytes(stream, length, options.stallMs);
			if (options.signal?.aborted)
				throw TornetError.aborted(`fetch of ${chunk.id.toString('hex')}`);
			if (!Buffer.isBuffer(bytes)) return fail(bytes);
			outcome.received += bytes.length;
			if (bytes.length < length) return fail(TornetError.protocolViolation('GET reply cut short'));
			if (!(await chunk.writeSlice(index, bytes)))
				return fail(
					TornetError.corrupt(`slice ${index} of chunk ${chunk.id.toString('hex')}`),
					true,
				);
			outcome.bytes += length;
			options.onSlice?.(index, bytes);
		}

		// Everything asked for is in: a missing FIN costs the holder nothing, a byte too many does.
		const extra = await readBytes(stream, 1, options.stallMs);
		if (Buffer.isBuffer(extra) && extra.length > 0)
			return fail(TornetError.protocolViolation('GET reply too long'), true);
		if (!Buffer.isBuffer(extra)) stream.reset();
		return outcome;
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
	}
}
