import {chmod, unlink} from 'node:fs/promises';
import net from 'node:net';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import {
	CONTROL_SOCKET_NAME,
	errorReply,
	LineSplitter,
	MAX_DATA_FRAME_BYTES,
	parseRequest,
	type ControlReply,
} from './control-protocol.js';

export type ControlHandler = (
	params: Record<string, unknown>,
	progress: (value: unknown) => void,
	/** Raw bytes for the client (its stdout), in order; resolves when the socket takes more. */
	data: (bytes: Uint8Array) => Promise<void>,
) => Promise<unknown>;

/** Clients at once: one-shot commands and a console or two; more are turned away. */
const MAX_CLIENTS = 16;

/**
 * The node's local control socket: a Unix socket in the data directory, owner-only (the directory
 * is 0700 and the socket 0600), through which one-shot commands talk to a running node.
 */
export class ControlServer {
	private readonly server: net.Server;
	private readonly handlers = new Map<string, ControlHandler>();
	readonly path: string;

	constructor(dataDir: string) {
		this.path = join(dataDir, CONTROL_SOCKET_NAME);
		this.server = net.createServer((socket) => {
			this.serve(socket);
		});
		this.server.maxConnections = MAX_CLIENTS;
	}

	handle(method: string, handler: ControlHandler): void {
		this.handlers.set(method, handler);
	}

	async listen(): Promise<void> {
		await this.removeStaleSocket();
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.path, () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		await chmod(this.path, 0o600);
	}

	async close(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.server.close(() => {
				resolve();
			});
		});
	}

	/** A socket file left by a node that died is removed; one that answers means a node is running. */
	private async removeStaleSocket(): Promise<void> {
		if (await nodeAnswers(this.path))
			throw TornetError.badArgument(
				`a node is already running with this data directory (${this.path})`,
			);
		await unlink(this.path).catch(() => undefined);
	}

	private serve(socket: net.Socket): void {
		socket.setEncoding('utf8');
		const lines = new LineSplitter();
		const send = (reply: ControlReply) => {
			if (!socket.destroyed) socket.write(JSON.stringify(reply) + '\n');
		};

		socket.on('data', (chunk: string) => {
			const withinBound = lines.push(chunk, (line) => {
				const request = parseRequest(line);
				if (request instanceof TornetError) {
					send(errorReply(0, request));
					return;
				}

				const handler = this.handlers.get(request.method);
				if (!handler) {
					send(errorReply(request.id, TornetError.unknownMethod(request.method)));
					return;
				}

				const data = async (bytes: Uint8Array) => {
					for (let at = 0; at < bytes.length; at += MAX_DATA_FRAME_BYTES) {
						if (socket.destroyed) throw TornetError.aborted('the client went away');
						const piece = bytes.subarray(at, at + MAX_DATA_FRAME_BYTES);
						socket.write(JSON.stringify({id: request.id, data: piece.length}) + '\n');
						if (!socket.write(piece)) await drained(socket);
					}
				};

				handler(
					request.params,
					(progress) => {
						send({id: request.id, progress});
					},
					data,
				).then(
					(result) => {
						send({id: request.id, result: result ?? null});
					},
					(error: unknown) => {
						send(errorReply(request.id, error));
					},
				);
			});
			if (!withinBound) {
				send(errorReply(0, TornetError.badMessage('control line too long')));
				socket.destroy();
			}
		});
		socket.on('error', () => undefined);
	}
}

/** Resolves when the socket wants more, or rejects once it is gone (a client that quit). */
async function drained(socket: net.Socket): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const done = () => {
			socket.off('drain', done);
			socket.off('close', gone);
			resolve();
		};

		const gone = () => {
			socket.off('drain', done);
			reject(TornetError.aborted('the client went away'));
		};

		socket.once('drain', done);
		socket.once('close', gone);
	});
}

/** Whether a node answers on this control socket path (a running node owns the data directory). */
export async function nodeAnswers(path: string): Promise<boolean> {
	return new Promise<boolean>((resolve) => {
		const probe = net.connect(path);
		probe.once('connect', () => {
			probe.destroy();
			resolve(true);
		});
		probe.once('error', () => {
			resolve(false);
		});
	});
}

/** Refuses to start a second node on a data directory whose node is running. */
export async function assertNoNodeRunning(dataDir: string): Promise<void> {
	const path = join(dataDir, CONTROL_SOCKET_NAME);
	if (await nodeAnswers(path))
		throw TornetError.badArgument(`a node is already running with this data directory (${path})`);
}
