import {once} from 'node:events';
import test from 'ava';
import {isTornetError, type TornetError} from '../../source/errors.js';
import {INITIAL_MAX_STREAMS, INITIAL_STREAM_WINDOW} from '../../source/transport/stream-table.js';
import {writeStreamHeader} from '../../source/transport/stream-frames.js';
import {pair} from './pair.js';

/** A STREAM frame with `length` filler bytes, encoded by hand (no flow control applied). */
function streamFrame(streamId: number, offset: number, length: number): Buffer {
	const frame = Buffer.alloc(32 + length, 0x61);
	const at = writeStreamHeader(frame, 0, streamId, offset, length, false);
	return frame.subarray(0, at + length);
}

/** Sends crafted frames from the client; resolves with the errors each side closed with. */
async function violate(t: Parameters<typeof pair>[0], frames: Buffer[]) {
	const {connection, inbound} = await pair(t);
	inbound.on('stream', (stream) => {
		stream.on('error', () => undefined);
	});
	const serverClosed = once(inbound, 'close') as Promise<[TornetError | undefined]>;
	const clientClosed = once(connection, 'close') as Promise<[TornetError | undefined]>;
	for (const frame of frames) connection.sendFrames(frame);
	const [[server], [client]] = await Promise.all([serverClosed, clientClosed]);
	return {server, client};
}

test('stream data beyond the stream window closes the connection as a violation', async (t) => {
	const {server, client} = await violate(t, [streamFrame(0, INITIAL_STREAM_WINDOW - 5, 10)]);
	t.true(isTornetError(server, 'FLOW_CONTROL'), String(server));
	t.true(isTornetError(client, 'CONNECTION_CLOSED'), String(client));
	t.regex(String(client), /protocol violation/);
});

test('streams each within their window but beyond the connection window: a violation', async (t) => {
	// Three streams at 240 KiB each stay inside 256 KiB stream windows but pass the 512 KiB total.
	const offset = 240 * 1024;
	const {server} = await violate(t, [
		streamFrame(0, offset, 10),
		streamFrame(4, offset, 10),
		streamFrame(8, offset, 10),
	]);
	t.true(isTornetError(server, 'FLOW_CONTROL'), String(server));
	t.regex(String(server), /connection data beyond/);
});

test('a stream id the peer may not use closes the connection', async (t) => {
	// Stream 1 belongs to the responder, which never opened it.
	const {server} = await violate(t, [streamFrame(1, 0, 4)]);
	t.true(isTornetError(server, 'PROTOCOL_VIOLATION'), String(server));
	t.regex(String(server), /never opened/);
});

test('opening a stream past the limit closes the connection', async (t) => {
	const {server} = await violate(t, [streamFrame(4 * INITIAL_MAX_STREAMS, 0, 4)]);
	t.true(isTornetError(server, 'PROTOCOL_VIOLATION'), String(server));
	t.regex(String(server), /beyond the limit/);
});

test('an unknown frame type and a malformed frame close the connection', async (t) => {
	const unknown = await violate(t, [Buffer.from([0x1f])]);
	t.true(isTornetError(unknown.server, 'PROTOCOL_VIOLATION'), String(unknown.server));
	// A STREAM frame that claims more bytes than the packet holds.
	const truncated = streamFrame(0, 0, 100).subarray(0, 20);
	const malformed = await violate(t, [truncated]);
	t.regex(String(malformed.server), /malformed STREAM/);
	// An ACK for a packet never sent.
	// Largest 65536 (a 4-byte varint), no delay, one range of one packet.
	const ack = Buffer.from([0x04, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00]);
	const lying = await violate(t, [ack]);
	t.regex(String(lying.server), /never sent/);
});
