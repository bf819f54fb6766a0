import type {Readable, Writable} from 'node:stream';
import {TornetError} from '../../errors.js';

/**
 * The next `length` bytes of a stream in paused mode: exactly `length`, or fewer (maybe none) when
 * the stream ended first. A TornetError value, never a throw, for a stream that fails, closes
 * without an end, or sends nothing new for `timeoutMs` (REQUEST_TIMEOUT): the peer decides what
 * arrives, so nothing it does may escape as an exception.
 */
export async function readBytes(
	stream: Readable,
	length: number,
	timeoutMs: number,
): Promise<Buffer | TornetError> {
	const now = stream.read(length) as Buffer | null;
	if (now !== null) return now;
	if (stream.readableEnded) return Buffer.alloc(0);
	if (stream.destroyed) return TornetError.streamReset(-1);
	return new Promise((resolve) => {
		let timer: NodeJS.Timeout;
		const finish = (result: Buffer | TornetError) => {
			clearTimeout(timer);
			stream.off('readable', onReadable);
			stream.off('end', onEnd);
			stream.off('error', onError);
			stream.off('close', onClose);
			resolve(result);
		};

		const arm = () => {
			clearTimeout(timer);
			timer = setTimeout(() => {
				finish(TornetError.requestTimeout('stream read', timeoutMs));
			}, timeoutMs);
		};

		const onReadable = () => {
			const chunk = stream.read(length) as Buffer | null;
			if (chunk !== null) finish(chunk);
			else arm(); // Some bytes came: the peer is alive, the wait starts again.
		};

		const onEnd = () => {
			finish(Buffer.alloc(0));
		};

		const onError = (error: Error) => {
			finish(error instanceof TornetError ? error : TornetError.streamReset(-1));
		};

		const onClose = () => {
			finish(TornetError.connectionClosed('stream closed before its end'));
		};

		stream.on('readable', onReadable);
		stream.on('end', onEnd);
		stream.on('error', onError);
		stream.on('close', onClose);
		arm();
	});
}

/**
 * Writes `bytes`, waiting for 'drain' when the stream asks to; false when the stream failed or
 * closed meanwhile (the peer reset it), or did not drain within `timeoutMs` (a reader that stopped
 * reading must not hold a sender's slot forever).
 */
export async function writeBytes(
	stream: Writable,
	bytes: Uint8Array,
	timeoutMs = Number.POSITIVE_INFINITY,
): Promise<boolean> {
	if (stream.destroyed || stream.writableEnded) return false;
	if (stream.write(bytes)) return true;
	return new Promise((resolve) => {
		const timer = Number.isFinite(timeoutMs)
			? setTimeout(() => {
					finish(false);
				}, timeoutMs)
			: undefined;
		const finish = (ok: boolean) => {
			clearTimeout(timer);
			stream.off('drain', onDrain);
			stream.off('close', onClose);
			stream.off('error', onClose);
			resolve(ok);
		};

		const onDrain = () => {
			finish(true);
		};

		const onClose = () => {
			finish(false);
		};

		stream.on('drain', onDrain);
		stream.on('close', onClose);
		stream.on('error', onClose);
	});
}
