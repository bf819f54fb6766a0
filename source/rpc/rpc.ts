import {isErrorCode, TornetError} from '../errors.js';
import type {Connection} from '../transport/connection.js';
import {decodeMessage, encodeMessage, isValidMethod, type RpcMessage} from './messages.js';

export type RequestContext = {connection: Connection};
export type Handler = (body: Buffer, context: RequestContext) => Uint8Array | Promise<Uint8Array>;
export type NoticeHandler = (body: Buffer, context: RequestContext) => void | Promise<void>;

export type RequestOptions = {
	/** Milliseconds to wait for each attempt. */
	timeoutMs?: number;
	/** Extra attempts for idempotent methods; each doubles the timeout. */
	retries?: number;
	signal?: AbortSignal;
};

export type RpcStats = {
	requestsSent: number;
	responsesReceived: number;
	timeouts: number;
	requestsServed: number;
	badMessages: number;
	refused: number;
};

type Pending = {
	connection: Connection;
	method: string;
	resolve: (body: Buffer) => void;
	reject: (error: TornetError) => void;
};

export const DEFAULT_TIMEOUT_MS = 1000;
/** Requests in flight from this node, over all peers: a bound, not a tuning knob. */
export const MAX_PENDING = 4096;
/** Handlers running at once for one peer; more are refused with TOO_MANY_REQUESTS. */
export const MAX_SERVING_PER_PEER = 64;

/**
 * Requests, responses, notices and errors over connections, each message in one DATAGRAM frame.
 * Requests are retried (same id) only for methods registered as idempotent by the caller's choice.
 * Nothing a peer sends can throw out of here: bad messages are counted and dropped.
 */
export class Rpc {
	readonly stats: RpcStats = {
		requestsSent: 0,
		responsesReceived: 0,
		timeouts: 0,
		requestsServed: 0,
		badMessages: 0,
		refused: 0,
	};

	private readonly handlers = new Map<string, Handler>();
	private readonly noticeHandlers = new Map<string, NoticeHandler>();
	private readonly pending = new Map<number, Pending>();
	private readonly serving = new WeakMap<Connection, number>();
	private readonly attached = new WeakSet<Connection>();
	private nextId = 1;

	register(method: string, handler: Handler): void {
		if (!isValidMethod(method)) throw TornetError.badArgument(`bad method name ${method}`);
		this.handlers.set(method, handler);
	}

	onNotice(method: string, handler: NoticeHandler): void {
		if (!isValidMethod(method)) throw TornetError.badArgument(`bad method name ${method}`);
		this.noticeHandlers.set(method, handler);
	}

	/** Route a connection's datagrams through this RPC instance (idempotent). */
	attach(connection: Connection): void {
		if (this.attached.has(connection)) return;
		this.attached.add(connection);
		connection.on('datagram', (data) => {
			this.receive(connection, data);
		});
		connection.on('close', (error) => {
			for (const [id, pending] of this.pending) {
				if (pending.connection !== connection) continue;
				this.pending.delete(id);
				pending.reject(
					error ?? TornetError.connectionClosed(`connection closed during ${pending.method}`),
				);
			}
		});
	}

	async request(
		connection: Connection,
		method: string,
		body: Uint8Array,
		options: RequestOptions = {},
	): Promise<Buffer> {
		this.attach(connection);
		// Checked here, not only by the peer: a name over 255 bytes would corrupt its length byte.
		if (!isValidMethod(method)) throw TornetError.badArgument(`bad method name ${method}`);
		if (this.pending.size >= MAX_PENDING)
			throw TornetError.tooManyRequests(`${MAX_PENDING} requests already in flight`);
		const retries = options.retries ?? 0;
		let timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		const id = this.allocateId();
		const packet = encodeMessage({type: 'request', id, method, body});
		if (packet.length > connection.maxDatagramBytes) {
			throw TornetError.badArgument(
				`${method} request of ${packet.length} bytes does not fit one datagram`,
			);
		}

		return new Promise<Buffer>((resolve, reject) => {
			let timer: NodeJS.Timeout | undefined;
			let attempt = 0;
			const finish = () => {
				clearTimeout(timer);
				this.pending.delete(id);
				options.signal?.removeEventListener('abort', onAbort);
			};

			const onAbort = () => {
				finish();
				reject(TornetError.aborted(method));
			};

			const send = () => {
				try {
					connection.sendDatagram(packet);
				} catch (error) {
					finish();
					reject(error as TornetError);
					return;
				}

				this.stats.requestsSent++;
				timer = setTimeout(() => {
					if (attempt++ < retries) {
						timeoutMs *= 2;
						send();
						return;
					}

					this.stats.timeouts++;
					finish();
					reject(TornetError.requestTimeout(method, timeoutMs));
				}, timeoutMs);
			};

			if (options.signal?.aborted) {
				reject(TornetError.aborted(method));
				return;
			}

			options.signal?.addEventListener('abort', onAbort, {once: true});
			this.pending.set(id, {
				connection,
				method,
				resolve: (result) => {
					finish();
					resolve(result);
				},
				reject: (error) => {
					finish();
					reject(error);
				},
			});
			send();
		});
	}

	notify(connection: Connection, method: string, body: Uint8Array): void {
		if (!isValidMethod(method)) throw TornetError.badArgument(`bad method name ${method}`);
		this.attach(connection);
		connection.sendDatagram(encodeMessage({type: 'notice', method, body}));
	}

	private receive(connection: Connection, data: Buffer): void {
		const message = decodeMessage(data);
		if (!message) {
			this.stats.badMessages++;
			return;
		}

		switch (message.type) {
			case 'request': {
				void this.serve(connection, message);
				break;
			}

			case 'response':
			case 'error': {
				const pending = this.pending.get(message.id);
				// Only the connection we asked may answer: ids are not secrets.
				if (!pending || pending.connection !== connection) return;
				this.stats.responsesReceived++;
				if (message.type === 'response') pending.resolve(Buffer.from(message.body));
				else pending.reject(remoteError(message.code, message.message));
				break;
			}

			case 'notice': {
				const handler = this.noticeHandlers.get(message.method);
				if (!handler) return;
				try {
					// An async handler's rejection must not escape either: Node ends the process on an
					// unhandled rejection, and here the peer would decide when.
					const result = handler(Buffer.from(message.body), {connection});
					if (result instanceof Promise) {
						result.catch(() => {
							this.stats.badMessages++;
						});
					}
				} catch {
					this.stats.badMessages++;
				}

				break;
			}
		}
	}

	private async serve(
		connection: Connection,
		message: Extract<RpcMessage, {type: 'request'}>,
	): Promise<void> {
		const busy = this.serving.get(connection) ?? 0;
		if (busy >= MAX_SERVING_PER_PEER) {
			this.stats.refused++;
			this.reply(connection, {
				type: 'error',
				id: message.id,
				code: 'TOO_MANY_REQUESTS',
				message: 'too many requests in flight',
			});
			return;
		}

		const handler = this.handlers.get(message.method);
		if (!handler) {
			this.reply(connection, {
				type: 'error',
				id: message.id,
				code: 'UNKNOWN_METHOD',
				message: message.method,
			});
			return;
		}

		this.serving.set(connection, busy + 1);
		try {
			const body = await handler(Buffer.from(message.body), {connection});
			this.stats.requestsServed++;
			this.reply(connection, {type: 'response', id: message.id, body});
		} catch (error) {
			// A handler's TornetError is the caller's business; anything else is ours and stays private.
			const known = error instanceof TornetError;
			this.reply(connection, {
				type: 'error',
				id: message.id,
				code: known ? error.code : 'INTERNAL',
				message: known ? error.message : 'internal error',
			});
		} finally {
			this.serving.set(connection, (this.serving.get(connection) ?? 1) - 1);
		}
	}

	private reply(connection: Connection, message: RpcMessage): void {
		if (!connection.isOpen) return;
		let packet = encodeMessage(message);
		if (packet.length > connection.maxDatagramBytes) {
			packet = encodeMessage({
				type: 'error',
				id: (message as {id: number}).id,
				code: 'INTERNAL',
				message: 'response too large',
			});
		}

		connection.sendDatagram(packet);
	}

	private allocateId(): number {
		// Ids wrap well before varints grow past 4 bytes; an id is never reused while pending.
		do {
			this.nextId = this.nextId >= 0x3fff_ffff ? 1 : this.nextId + 1;
		} while (this.pending.has(this.nextId));
		return this.nextId;
	}
}

/** A peer's error keeps its code when it is one of ours, so callers can match on it. */
function remoteError(code: string, message: string): TornetError {
	const text = `peer: ${message.replace(/^[A-Z_]+: /, '')}`;
	return isErrorCode(code) ? new TornetError(code, text) : TornetError.remote(code, message);
}
