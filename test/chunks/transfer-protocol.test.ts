import test from 'ava';
import fc from 'fast-check';
import {chunkIdOf, sliceHashes} from '../../source/chunks/slices.js';
import {
	decodeErrorBody,
	decodeGetRequest,
	decodeMetaReply,
	decodeMetaRequest,
	decodeStatus,
	encodeErrorReply,
	encodeGetRequest,
	encodeMetaReply,
	GET_REQUEST_BYTES,
	MAX_ERROR_BYTES,
	MAX_MESSAGE_BYTES,
	STREAM_KIND_GET,
} from '../../source/chunks/transfer/protocol.js';
import {patternBytes} from './store-fixture.js';

test('a GET request round-trips and is refused outside 16 slices', (t) => {
	const request = {
		chunkId: Buffer.alloc(20, 3),
		eventId: Buffer.alloc(16, 9),
		first: 4,
		count: 12,
	};
	const bytes = encodeGetRequest(request);
	t.is(bytes.length, GET_REQUEST_BYTES);
	t.is(bytes[0], STREAM_KIND_GET);
	t.deepEqual(decodeGetRequest(bytes.subarray(1)), request);
	for (const [first, count] of [
		[0, 0],
		[15, 2],
		[16, 1],
		[255, 255],
	]) {
		const bad = encodeGetRequest({...request, first, count});
		t.is(decodeGetRequest(bad.subarray(1)), undefined, `${first}+${count}`);
	}

	t.is(decodeGetRequest(bytes.subarray(1, -1)), undefined, 'short');
	t.is(decodeGetRequest(Buffer.concat([bytes.subarray(1), Buffer.from([0])])), undefined, 'long');
});

test('a meta reply is accepted only when it matches the chunk id', (t) => {
	const body = patternBytes(200_000, 5);
	const id = chunkIdOf(body);
	const slices = sliceHashes(body);
	const reply = encodeMetaReply(body.length, slices);
	t.true(reply.length < 400, 'fits a datagram with room to spare');
	const meta = decodeMetaReply(id, reply);
	t.is(meta?.size, body.length);
	t.true(meta?.slices.equals(slices));
	t.is(decodeMetaReply(id, encodeMetaReply(body.length - 1, slices)), undefined, 'size lie');
	const forged = Buffer.from(slices);
	forged[5] ^= 1;
	t.is(decodeMetaReply(id, encodeMetaReply(body.length, forged)), undefined, 'slice lie');
	t.is(decodeMetaReply(id, reply.subarray(0, -1)), undefined);
	t.is(decodeMetaRequest(id)?.equals(id), true);
	t.is(decodeMetaRequest(id.subarray(1)), undefined);
});

test('error replies keep their code, bound their message, and junk is refused', (t) => {
	const reply = encodeErrorReply('PAYMENT_REQUIRED', 'PAYMENT_REQUIRED: owe 5, rails cheque');
	t.is(decodeStatus(reply[0]), 'error');
	const error = decodeErrorBody(reply.subarray(1));
	t.is(error?.code, 'PAYMENT_REQUIRED');
	t.is(error?.message, 'PAYMENT_REQUIRED: peer: owe 5, rails cheque');
	const long = encodeErrorReply('NOT_FOUND', 'é'.repeat(5000));
	t.true(long.length <= MAX_ERROR_BYTES);
	const decoded = decodeErrorBody(long.subarray(1));
	t.true(Buffer.byteLength(decoded!.message) <= MAX_MESSAGE_BYTES + 40);
	t.false(decoded!.message.includes('\uFFFD'), 'cut at a character boundary');
	t.is(decodeErrorBody(encodeErrorReply('SOMETHING', 'x').subarray(1))?.code, 'REMOTE_ERROR');
	t.is(decodeErrorBody(encodeErrorReply('bad code!', 'x').subarray(1)), undefined);
	t.is(decodeStatus(7), 'bad');
});

test('decoders of peer input never throw', (t) => {
	const id = Buffer.alloc(20, 1);
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 2000}), (bytes) => {
			decodeGetRequest(bytes);
			decodeMetaReply(id, bytes);
			decodeMetaRequest(bytes);
			decodeErrorBody(bytes);
			if (bytes.length > 0) decodeStatus(bytes[0]);
		}),
		{numRuns: 2000},
	);
	t.pass();
});
