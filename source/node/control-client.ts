import net from 'node:net';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import {CONTROL_SOCKET_NAME, LineSplitter, parseReply, replyError} from './control-protocol.js';

/** Call a method on the node running with this data directory. */
export async function callNode<T>(
	dataDir: string,
	method: string,
	params: Record<string, unknown> = {},
	onProgress?: (progress: unknown) => void,
): Promise<T> {
	const path = join(dataDir, CONTROL_SOCKET_NAME);
	const socket = net.connect(path);
	socket.setEncoding('utf8');
	return new Promise<T>((resolve, reject) => {
		const lines = new LineSplitter();
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
		socket.on('data', (chunk: string) => {
			lines.push(chunk, (line) => {
				const reply = parseReply(line);
				if (!reply) return;
				if ('progress' in reply) onProgress?.(reply.progress);
				else if ('error' in reply) finish(replyError(reply.error));
				else finish(undefined, reply.result as T);
			});
		});
		socket.once('close', () => {
			finish(TornetError.connectionClosed('the node closed the control socket without answering'));
		});
	});
}
