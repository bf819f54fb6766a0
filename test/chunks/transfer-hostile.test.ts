import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {bodyPath} from '../../source/chunks/store-layout.js';
import {TornetError} from '../../source/errors.js';
import {fetchChunk} from '../../source/chunks/transfer/fetch-chunk.js';
import {fetchLink} from '../../source/chunks/transfer/fetch-link.js';
import {
	decodeErrorBody,
	decodeStatus,
	encodeGetRequest,
	MAX_ERROR_BYTES,
	STREAM_KIND_GET,
} from '../../source/chunks/transfer/protocol.js';
import {readBytes} from '../../source/chunks/transfer/stream-io.js';
import type {Connection} from '../../source/transport/connection.js';
import {temporaryDirectory} from './store-fixture.js';
import {linkBytes, type Peer, publishOn, sourceFor, startPeer} from './transfer-fixture.js';

const MB = 1 << 20;

test('a holder serving corrupted slices is detected, dropped, and the others finish', async (t) => {
	const peers = await Promise.all([
		startPeer(t),
		startPeer(t, {hostile: true}),
		startPeer(t),
		startPeer(t),
	]);
	const [e, hostile, ...honest] = peers;
	const {result, content} = await publishOn(t, [hostile, ...honest], 6 * MB);
	const bad: Array<{peer: string; code: string}> = [];
	const out = join(await temporaryDirectory(t), 'fetched.bin');
	const fetched = await fetchLink(e.store, result.link, out, {
		rpc: e.rpc,
		// The hostile holder first, so it is surely asked.
		findSources: async () => [hostile, ...honest].map((holder) => sourceFor(e, holder)),
		onBadSource(peer, error) {
			bad.push({peer: peer.toString('hex'), code: error.code});
		},
	});
	t.true((await readFile(out)).equals(content));
	const hostileId = hostile.identity.id.toString('hex');
	t.deepEqual(bad, [{peer: hostileId, code: 'CORRUPT'}], 'reported once, then never asked again');
	t.deepEqual(fetched.penalised, [hostileId]);
	t.is(fetched.bySource.get(hostileId) ?? 0, 0, 'not one byte of it was kept');
	t.is(fetched.bytesReceived, await linkBytes(honest[0].store));
});

test('a chunk with only a hostile holder fails CORRUPT and keeps nothing it sent', async (t) => {
	const [e, hostile] = await Promise.all([startPeer(t), startPeer(t, {hostile: true})]);
	const {result} = await publishOn(t, [hostile], MB);
	const chunk = result.description.files[0].chunks[0];
	const error = await t.throwsAsync(fetchChunk(e.store, chunk, [sourceFor(e, hostile)]));
	t.is((error as TornetError).code, 'CORRUPT');
	t.false(await e.store.has(chunk.id));
});

/** Opens a stream to the holder, sends `bytes`, and reads what comes back (or the reset). */
async function exchange(connection: Connection, bytes: Buffer) {
	const stream = connection.openStream();
	stream.on('error', () => undefined);
	stream.end(bytes);
	const reply = await readBytes(stream, MAX_ERROR_BYTES, 5000);
	return reply;
}

async function connectTo(fetcher: Peer, holder: Peer) {
	return sourceFor(fetcher, holder).connect();
}

test('junk on a stream resets that stream; the server keeps serving', async (t) => {
	const [a, b] = await Promise.all([startPeer(t), startPeer(t)]);
	const {result} = await publishOn(t, [a], 100_000); // one chunk of two slices
	const chunk = result.description.files[0].chunks[0];
	const connection = await connectTo(b, a);
	const eventId = Buffer.alloc(16, 1);
	const good = encodeGetRequest({chunkId: chunk.id, eventId, first: 0, count: 1});
	const junk = [
		Buffer.from([9, 1, 2, 3]), // a kind nobody serves
		Buffer.from([STREAM_KIND_GET, 1, 2, 3]), // a request cut short
		Buffer.concat([good.subarray(0, -2), Buffer.from([15, 2])]), // slices past 16
		Buffer.concat([good.subarray(0, -2), Buffer.from([0, 0])]), // no slices
		Buffer.alloc(0), // nothing at all
	];
	for (const bytes of junk) {
		const reply = await exchange(connection, bytes);
		t.true(reply instanceof TornetError, `reset for ${bytes.toString('hex')}`);
		t.is((reply as TornetError).code, 'STREAM_RESET');
	}

	t.is(a.server.stats.badRequests, 3, 'an unknown kind or no kind never reaches the chunk server');
	// A range past the chunk's own slices is a well-formed request: an error reply.
	const past = await exchange(
		connection,
		encodeGetRequest({chunkId: chunk.id, eventId, first: 15, count: 1}),
	);
	t.true(Buffer.isBuffer(past));
	t.is(decodeStatus((past as Buffer)[0]), 'error');
	t.is(decodeErrorBody((past as Buffer).subarray(1))?.code, 'BAD_ARGUMENT');
	t.true(connection.isOpen, 'the connection survives');
	const fetched = await fetchChunk(b.store, chunk, [sourceFor(b, a)]);
	t.is(fetched.result, 'stored');
});

test('error replies carry the code: TOO_MANY_REQUESTS past the per-peer bound', async (t) => {
	const [a, b] = await Promise.all([
		startPeer(t, {server: {maxStreamsPerPeer: 1, uploadBytesPerSecond: () => 64 * 1024}}),
		startPeer(t),
	]);
	const {result} = await publishOn(t, [a], MB);
	const chunk = result.description.files[0].chunks[0];
	const connection = await connectTo(b, a);
	const request = (eventByte: number) =>
		encodeGetRequest({
			chunkId: chunk.id,
			eventId: Buffer.alloc(16, eventByte),
			first: 0,
			count: 16,
		});
	// Two at once: the first holds the only slot for seconds at 64 KiB/s.
	const first = connection.openStream();
	const second = connection.openStream();
	for (const stream of [first, second]) stream.on('error', () => undefined);
	first.end(request(1));
	second.end(request(2));
	const heads = await Promise.all([readBytes(first, 1, 5000), readBytes(second, 1, 5000)]);
	const statuses = heads.map((head) => (Buffer.isBuffer(head) ? decodeStatus(head[0]) : 'failed'));
	t.deepEqual([...statuses].sort(), ['error', 'ok']);
	const refused = statuses[0] === 'error' ? first : second;
	const body = await readBytes(refused, MAX_ERROR_BYTES, 5000);
	t.is(decodeErrorBody(body as Buffer)?.code, 'TOO_MANY_REQUESTS');
	first.destroy();
	second.destroy();
});

test('admit decides before any byte moves and commit gets the bytes sent', async (t) => {
	const commits: number[] = [];
	let refuse = true;
	const [a, b] = await Promise.all([
		startPeer(t, {
			server: {
				async admit(_peer, terms) {
					if (refuse) throw new TornetError('PAYMENT_REQUIRED', 'settle 42 first');
					return {
						async commit(bytes) {
							commits.push(bytes);
						},
						release() {
							commits.push(-terms.bytes);
						},
					};
				},
			},
		}),
		startPeer(t),
	]);
	const {result} = await publishOn(t, [a], MB);
	const chunk = result.description.files[0].chunks[0];
	const errors: TornetError[] = [];
	await t.throwsAsync(
		fetchChunk(b.store, chunk, [sourceFor(b, a)], {
			onSourceError(_peer, error) {
				errors.push(error);
			},
		}),
	);
	t.is(errors[0]?.code, 'PAYMENT_REQUIRED');
	t.regex(errors[0]?.message ?? '', /settle 42 first/);
	t.is(a.server.stats.bytesServed, 0);
	refuse = false;
	await fetchChunk(b.store, chunk, [sourceFor(b, a)]);
	t.is(
		commits.reduce((sum, bytes) => sum + bytes, 0),
		chunk.size,
	);
	t.true(commits.every((bytes) => bytes > 0));
});

test('the serving connection switches to LEDBAT; the option can keep CUBIC', async (t) => {
	const [a, b, c] = await Promise.all([
		startPeer(t),
		startPeer(t),
		startPeer(t, {server: {lowPriority: false}}),
	]);
	const {result} = await publishOn(t, [a, c], 100_000);
	const chunk = result.description.files[0].chunks[0];
	const inbound = (holder: Peer) => holder.endpoint.connections()[0];
	await fetchChunk(b.store, chunk, [sourceFor(b, a)]);
	t.is(inbound(a).stats.congestion, 'ledbat');
	await b.store.delete(chunk.id);
	await fetchChunk(b.store, chunk, [sourceFor(b, c)]);
	t.is(inbound(c).stats.congestion, 'cubic');
});

test('a body that rotted on the holder is answered CORRUPT and dropped by its store', async (t) => {
	const [a, b] = await Promise.all([startPeer(t), startPeer(t)]);
	const {result} = await publishOn(t, [a], 300_000);
	const chunk = result.description.files[0].chunks[0];
	const path = bodyPath(a.store.layout, chunk.id);
	const rotten = await readFile(path);
	rotten[1000] ^= 0xff;
	await writeFile(path, rotten);
	const errors: string[] = [];
	await t.throwsAsync(
		fetchChunk(b.store, chunk, [sourceFor(b, a)], {
			onSourceError(_peer, error) {
				errors.push(error.code);
			},
		}),
	);
	t.deepEqual(errors, ['CORRUPT'], 'an honest error reply, not bad bytes');
	t.false(await a.store.has(chunk.id), 'the holder dropped the body, to fetch it again');
	t.is(a.server.stats.bytesServed, 0);
});
