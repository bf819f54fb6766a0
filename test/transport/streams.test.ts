import {once} from 'node:events';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {until} from '../helpers/raw-peer.js';
import {collect, nextStream, pair, seededBytes, writeAll} from './pair.js';

test('a stream carries bytes both ways and ends cleanly on both sides', async (t) => {
	const {connection, inbound} = await pair(t);
	const request = seededBytes(300_000, 1);
	const response = seededBytes(200_000, 2);
	const accepted = nextStream(inbound);
	const stream = connection.openStream();
	t.is(stream.id, 0, 'the initiator opens stream 0');
	const sent = writeAll(stream, request);
	const remote = await accepted;
	t.is(remote.id, 0);
	t.false(remote.local);
	const [received] = await Promise.all([collect(remote), sent]);
	t.true(received.equals(request));
	const back = collect(stream);
	await writeAll(remote, response);
	t.true((await back).equals(response));
	// Both halves done on both sides (FINs acknowledged): the stream leaves both tables.
	await until(() => connection.stats.streams === 0 && inbound.stats.streams === 0);
	t.true(stream.destroyed && remote.destroyed);
	const second = connection.openStream();
	t.is(second.id, 4, 'ids count up by four');
	const serverStream = inbound.openStream();
	t.is(serverStream.id, 1, 'the responder opens odd ids');
	second.destroy();
	serverStream.destroy();
});

test('backpressure: write() returns false over the high-water mark, a reader that stops stops the sender', async (t) => {
	const {connection, inbound} = await pair(t);
	const accepted = nextStream(inbound);
	const stream = connection.openStream({highWaterMark: 128 * 1024});
	const chunk = seededBytes(64 * 1024, 3);
	let written = 0;
	while (stream.write(chunk)) written += chunk.length;
	written += chunk.length;
	t.true(written <= 256 * 1024, `write() said go on for ${written} bytes`);
	const remote = await accepted;
	// Nobody reads: once the reader's buffer and the flow-control window are full, 'drain' stops
	// coming and the sender sends nothing more.
	const stalled = async () =>
		Promise.race([
			once(stream, 'drain').then(() => false),
			new Promise<boolean>((resolve) => {
				setTimeout(() => resolve(true), 500);
			}),
		]);
	while (!(await stalled())) {
		while (stream.write(chunk)) written += chunk.length;
		written += chunk.length;
	}

	t.true(written < 2 * 1024 * 1024, `${written} bytes written before the sender stalled`);
	t.true(remote.readableLength <= 256 * 1024 + chunk.length);
	const sentBefore = connection.stats.bytesSent;
	await new Promise((resolve) => setTimeout(resolve, 200));
	t.true(connection.stats.bytesSent - sentBefore < 4096, 'the sender is held by the window');
	t.true(stream.writableNeedDrain);
	// Reading resumes: 'drain' comes, and everything written arrives in order.
	const received = collect(remote);
	await once(stream, 'drain');
	const rest = seededBytes(2 * 1024 * 1024, 4);
	await writeAll(stream, rest);
	const all = await received;
	t.is(all.length, written + rest.length);
	t.true(all.subarray(written).equals(rest));
	t.true(all.subarray(0, chunk.length).equals(chunk));
});

test('many streams at once on one connection, each byte-exact', async (t) => {
	const {connection, inbound} = await pair(t);
	const count = 40;
	const results = new Map<number, Promise<Buffer>>();
	inbound.on('stream', (remote) => {
		results.set(remote.id, collect(remote));
		remote.end(Buffer.from(`stream ${remote.id}`));
	});
	const streams = Array.from({length: count}, () => connection.openStream());
	const payloads = streams.map((_, i) => seededBytes(64 * 1024 + i * 977, 100 + i));
	const replies = streams.map(async (stream) => collect(stream));
	await Promise.all(streams.map(async (stream, i) => writeAll(stream, payloads[i], 16 * 1024)));
	for (const [i, stream] of streams.entries()) {
		// The reply proves the server has the stream; then its data must be complete and exact.
		t.is((await replies[i]).toString(), `stream ${stream.id}`);
		t.true((await results.get(stream.id)!).equals(payloads[i]), `stream ${stream.id}`);
	}

	t.deepEqual(
		streams.map((stream) => stream.id),
		Array.from({length: count}, (_, i) => 4 * i),
	);
});

test("past the peer's stream limit new streams wait for an id, then complete as others close", async (t) => {
	const {connection, inbound} = await pair(t);
	inbound.on('stream', (remote) => {
		remote.pipe(remote); // echo
	});
	const count = 130; // the limit is 100 open streams per side
	const streams = Array.from({length: count}, () => connection.openStream());
	const waiting = streams.filter((stream) => stream.id === -1).length;
	t.is(waiting, count - 100);
	const echoes = streams.map(async (stream, i) => {
		const reply = collect(stream);
		stream.end(Buffer.from(`hello ${i}`));
		return reply;
	});
	for (const [i, echo] of echoes.entries()) t.is((await echo).toString(), `hello ${i}`);
	t.true(streams.every((stream) => stream.id >= 0));
	t.is(new Set(streams.map((stream) => stream.id)).size, count);
});

test('a reset reaches the other side as STREAM_RESET, in both directions', async (t) => {
	const {connection, inbound} = await pair(t);
	// The client abandons a stream mid-transfer.
	let accepted = nextStream(inbound);
	const first = connection.openStream();
	first.on('error', () => undefined);
	first.write(seededBytes(100_000, 5));
	const remote = await accepted;
	const failed = once(remote, 'error') as Promise<[Error]>;
	remote.resume();
	first.destroy(new Error('application gave up'));
	const [error] = await failed;
	t.true(isTornetError(error, 'STREAM_RESET'), String(error));

	// The server resets one with its own code.
	accepted = nextStream(inbound);
	const second = connection.openStream();
	second.write('ping');
	const other = await accepted;
	const clientFailed = once(second, 'error') as Promise<[Error]>;
	other.reset(7);
	const [clientError] = await clientFailed;
	t.true(isTornetError(clientError, 'STREAM_RESET'), String(clientError));
	t.regex(clientError.message, /code 7/);
	// The connection is fine: a third stream works.
	accepted = nextStream(inbound);
	const third = connection.openStream();
	await writeAll(third, Buffer.from('still here'));
	t.is((await collect(await accepted)).toString(), 'still here');
});

test('a stream nobody listens for is refused with a reset', async (t) => {
	const {connection} = await pair(t);
	const stream = connection.openStream();
	const failed = once(stream, 'error') as Promise<[Error]>;
	stream.write('anyone?');
	const [error] = await failed;
	t.true(isTornetError(error, 'STREAM_RESET'), String(error));
});

test('a closing connection fails the open streams of its peer', async (t) => {
	const {connection, inbound} = await pair(t);
	const accepted = nextStream(inbound);
	const stream = connection.openStream();
	stream.write('half a message');
	const remote = await accepted;
	const failed = once(remote, 'error') as Promise<[Error]>;
	remote.resume();
	connection.close('done here');
	const [error] = await failed;
	t.true(isTornetError(error, 'CONNECTION_CLOSED'), String(error));
	t.true(stream.destroyed, 'the local stream is destroyed without an error');
	t.throws(() => connection.openStream(), {message: /not open/});
});
