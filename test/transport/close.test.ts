import {once} from 'node:events';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import type {Connection} from '../../source/transport/connection.js';
import type {TornetStream} from '../../source/transport/stream.js';
import {nextStream, pair, seededBytes} from './pair.js';

/** Everything a stream delivers until it ends or fails, and the failure. */
async function drainStream(stream: TornetStream) {
	const chunks: Buffer[] = [];
	stream.on('data', (chunk: Buffer) => {
		chunks.push(chunk);
	});
	const error = await new Promise<Error | undefined>((resolve) => {
		stream.once('error', resolve);
		stream.once('end', () => {
			resolve(undefined);
		});
	});
	return {data: Buffer.concat(chunks), error};
}

async function closeReason(connection: Connection): Promise<string> {
	const [error] = (await once(connection, 'close')) as [Error | undefined];
	return error?.message ?? '';
}

test('close() drains: what streams buffered arrives and is acknowledged before CLOSE', async (t) => {
	const {connection, inbound} = await pair(t);
	const data = seededBytes(2 * 1024 * 1024, 1);
	const accepted = nextStream(inbound);
	const stream = connection.openStream({highWaterMark: 4 * 1024 * 1024});
	stream.write(data); // buffered, not yet sent: the flush runs on a later tick
	const peerClosed = closeReason(inbound);
	const closing = connection.close('done');
	t.false(connection.isOpen, 'closing: no new streams or datagrams');
	t.throws(() => connection.openStream(), {message: /not open/});
	t.throws(() => {
		connection.sendDatagram(Buffer.from('late'));
	});
	const received = await drainStream(await accepted);
	await closing;
	t.is(connection.state, 'closed');
	t.true(received.data.equals(data), `${received.data.length} of ${data.length} bytes arrived`);
	t.true(isTornetError(received.error, 'CONNECTION_CLOSED'), 'the stream was not ended: it fails');
	t.regex(await peerClosed, /peer closed: done/);
	t.is(connection.stats.snapshot().bytesInFlight, 0, 'everything was acknowledged');
});

test('close() with nothing buffered closes at once', async (t) => {
	const {connection, inbound} = await pair(t);
	const peerClosed = closeReason(inbound);
	const closing = connection.close('nothing to send');
	t.is(connection.state, 'closed', 'no drain needed');
	await closing;
	t.regex(await peerClosed, /nothing to send/);
});

test('an immediate close drops what is not yet acknowledged', async (t) => {
	const {connection, inbound} = await pair(t);
	let streams = 0;
	inbound.on('stream', (stream: TornetStream) => {
		streams++;
		stream.resume();
		stream.on('error', () => undefined);
	});
	const stream = connection.openStream();
	stream.on('error', () => undefined);
	stream.write(seededBytes(1024 * 1024, 2));
	const peerClosed = closeReason(inbound);
	await connection.close('now', undefined, undefined, {immediate: true});
	t.is(connection.state, 'closed');
	t.regex(await peerClosed, /peer closed: now/);
	t.is(streams, 0, 'the data never left: CLOSE went before the next flush');
});

test('a drain is bounded: a peer that stops acknowledging cannot hold close() open', async (t) => {
	let silent = false;
	const {connection, inbound} = await pair(t, {
		hook: () => (silent ? {drop: true} : undefined),
	});
	inbound.on('stream', (stream: TornetStream) => {
		stream.resume();
		stream.on('error', () => undefined);
	});
	const stream = connection.openStream();
	stream.on('error', () => undefined);
	silent = true;
	stream.write(seededBytes(256 * 1024, 3));
	const closing = connection.close('giving up', undefined, undefined, {drainTimeoutMs: 300});
	await new Promise((resolve) => setTimeout(resolve, 50));
	t.is(connection.state, 'open', 'still waiting for acknowledgements');
	t.false(connection.isOpen);
	await closing;
	t.is(connection.state, 'closed');
	t.true(stream.destroyed);
});
