import type {Connection} from '../../transport/connection.js';
import type {TornetStream} from '../../transport/stream.js';
import {PROTOCOL_RESET_CODE, STREAM_HEAD_TIMEOUT_MS} from './protocol.js';
import {readBytes} from './stream-io.js';

/** Handles a peer-opened stream whose kind byte has been read (the rest is still unread). */
export type StreamHandler = (stream: TornetStream, connection: Connection) => void;

/**
 * Routes each stream a peer opens by its first byte (protocol.ts: stream kinds), so protocols
 * share a connection's streams. A stream with no kind byte in time, or a kind nobody handles, is
 * reset; a handler that throws has its stream reset too, never the node.
 */
export class StreamKinds {
	private readonly handlers = new Map<number, StreamHandler>();
	private readonly attached = new WeakSet<Connection>();
	private readonly headTimeoutMs: number;

	constructor(options: {headTimeoutMs?: number} = {}) {
		this.headTimeoutMs = options.headTimeoutMs ?? STREAM_HEAD_TIMEOUT_MS;
	}

	register(kind: number, handler: StreamHandler): void {
		this.handlers.set(kind, handler);
	}

	/** Takes every stream the peer opens on `connection` (idempotent). */
	attach(connection: Connection): void {
		if (this.attached.has(connection)) return;
		this.attached.add(connection);
		connection.on('stream', (stream) => {
			void this.route(stream, connection);
		});
	}

	private async route(stream: TornetStream, connection: Connection): Promise<void> {
		// A reset by the peer surfaces as 'error': it must never be unhandled.
		stream.on('error', () => undefined);
		const head = await readBytes(stream, 1, this.headTimeoutMs);
		const handler = Buffer.isBuffer(head) && head.length === 1 && this.handlers.get(head[0]);
		if (!handler) {
			stream.reset(PROTOCOL_RESET_CODE);
			return;
		}

		try {
			handler(stream, connection);
		} catch {
			stream.reset(PROTOCOL_RESET_CODE);
		}
	}
}
