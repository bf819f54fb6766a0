import net from 'node:net';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import {
	CONTROL_SOCKET_NAME,
	MAX_DATA_FRAME_BYTES,
	MAX_LINE_BYTES,
	parseReply,
	replyError,
} from './control-protocol.js';

/** Call a method on the node running with this data directory. */
export async function callNode<T>(
	dataDir: string,
	method: string,
	params: Record<string, unknown> = {},
	onProgress?: (progress: unknown) => void,
	/** Raw bytes the node sends for our stdout, in order; the socket pauses until it resolves. */
	onData?: (bytes: Buffer) => Promise<void>,
): Promise<T> {
	const path = join(dataDir, CONTROL_SOCKET_NAME);
	const socket = net.connect(path);
	return new Promise<T>((resolve, reject) => {
		let buffered: Buffer = Buffer.alloc(0);
		/** Output written so far, in order: the result settles only after the last byte is out. */
		let writing = Promise.resolve();
		/** Raw bytes still expected for the current data frame. */
		let dataLeft = 0;
		let settled = false;
		const finish = (error: TornetError | undefined, value?: T) => {
			if (settled) return;
			settled = true;
			socket.destroy();
			if (error) reject(error);
			else resolve(value as T);
		};

		socket.once('error', (error: NodeJS.ErrnoException) => {
			finish(
				error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
					? TornetError.notRunning(
							`no node is running with data directory ${dataDir} (start one with \`tornet start\`)`,
						)
					: TornetError.notRunning(`cannot reach the node's control socket: ${error.message}`),
			);
		});
		socket.once('connect', () => {
			socket.write(JSON.stringify({id: 1, method, params}) + '\n');
		});
		const deliver = (bytes: Buffer) => {
			if (!onData) return;
			socket.pause();
			onData(bytes).then(
				() => socket.resume(),
				(error: unknown) => {
					finish(error instanceof TornetError ? error : TornetError.aborted('writing the output'));
				},
			);
		};

		socket.on('data', (chunk: Buffer) => {
			buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
			while (buffered.length > 0 && !settled) {
				if (dataLeft > 0) {
					const piece = buffered.subarray(0, dataLeft);
					buffered = buffered.subarray(piece.length);
					dataLeft -= piece.length;
					deliver(piece);
					continue;
				}

				const newline = buffered.indexOf(10);
				if (newline === -1) {
					if (buffered.length > MAX_LINE_BYTES)
						finish(TornetError.badMessage('the node sent an over-long control line'));
					return;
				}

				const reply = parseReply(buffered.subarray(0, newline).toString('utf8'));
				buffered = buffered.subarray(newline + 1);
				if (!reply) continue;
				if ('data' in reply) {
					const size = reply.data;
					if (!Number.isSafeInteger(size) || size < 0 || size > MAX_DATA_FRAME_BYTES)
						finish(TornetError.badMessage('bad data frame from the node'));
					else dataLeft = size;
				} else if ('progress' in reply) onProgress?.(reply.progress);
				else if ('error' in reply) finish(replyError(reply.error));
				else {
					const {result} = reply;
					void writing.then(() => {
						finish(undefined, result as T);
					});
					return;
				}
			}
		});
		socket.once('close', () => {
			finish(TornetError.connectionClosed('the node closed the control socket without answering'));
		});
	});
}
