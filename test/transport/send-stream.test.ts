import test from 'ava';
import fc from 'fast-check';
import {isTornetError} from '../../source/errors.js';
import {SendWindow} from '../../source/transport/flow-control.js';
import {SentPacket} from '../../source/transport/sent-packets.js';
import {SendStream} from '../../source/transport/send-stream.js';
import {decodeStream, FRAME_STREAM} from '../../source/transport/stream-frames.js';
import {Reader} from '../../source/util/varint.js';

function bytes(length: number, seed = 1): Buffer {
	const out = Buffer.allocUnsafe(length);
	for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
	return out;
}

test('property: under random loss and acknowledgement order, every byte arrives and acked bytes are never re-sent', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.integer({min: 0, max: 3000}), {minLength: 1, maxLength: 8}),
			fc.array(fc.integer({min: 0, max: 99}), {minLength: 50, maxLength: 50}),
			fc.integer({min: 20, max: 2000}),
			(writes, dice, maxLength) => {
				const source = Buffer.concat(writes.map((length, i) => bytes(length, i)));
				const stream = new SendStream(Number.POSITIVE_INFINITY, 1 << 30);
				for (const [i, length] of writes.entries()) stream.write(bytes(length, i));
				stream.end();
				const acked = new Uint8Array(source.length);
				const inFlight: Array<[number, number, boolean]> = [];
				let roll = 0;
				for (let step = 0; step < 100_000 && !stream.isDone; step++) {
					const die = dice[roll++ % dice.length];
					if (die < 50 || inFlight.length === 0) {
						const chunk = stream.nextChunk(maxLength, Number.POSITIVE_INFINITY);
						if (chunk) {
							for (let i = chunk.offset; i < chunk.offset + chunk.length; i++) {
								if (acked[i]) return false; // an acknowledged byte sent again
							}

							const copy = Buffer.alloc(chunk.length);
							stream.copy(chunk.offset, chunk.length, copy, 0);
							if (!copy.equals(source.subarray(chunk.offset, chunk.offset + chunk.length)))
								return false;
							inFlight.push([chunk.offset, chunk.length, chunk.fin]);
							continue;
						}
					}

					if (inFlight.length === 0) continue;
					const [offset, length, fin] = inFlight.splice(die % inFlight.length, 1)[0];
					if (die % 3 === 0 && step < 20_000) {
						stream.onLost(offset, length, fin);
					} else {
						stream.onAck(offset, length, fin);
						acked.fill(1, offset, offset + length);
					}
				}

				return stream.isDone && acked.every((b) => b === 1) && stream.bufferedBytes === 0;
			},
		),
	);
	t.pass();
});

test('lost ranges are re-queued minus what was acknowledged meanwhile, and go out first', (t) => {
	const stream = new SendStream(1_000_000);
	stream.write(bytes(5000));
	const first = {...stream.nextChunk(3000, Infinity)!};
	t.deepEqual(first, {offset: 0, length: 3000, fin: false, newBytes: 3000});
	stream.onAck(1000, 500, false);
	stream.onLost(0, 3000, false);
	t.deepEqual(
		{...stream.nextChunk(5000, Infinity)!},
		{offset: 0, length: 1000, fin: false, newBytes: 0},
	);
	t.deepEqual(
		{...stream.nextChunk(5000, Infinity)!},
		{offset: 1500, length: 1500, fin: false, newBytes: 0},
	);
	t.deepEqual(
		{...stream.nextChunk(5000, Infinity)!},
		{offset: 3000, length: 2000, fin: false, newBytes: 2000},
	);
	t.is(stream.nextChunk(5000, Infinity), undefined);
	t.is(stream.bytesRetransmitted, 2500);
});

test("the peer's MAX_STREAM_DATA and the connection credit limit new bytes, not retransmissions", (t) => {
	const stream = new SendStream(1000);
	stream.write(bytes(3000));
	t.is(stream.nextChunk(5000, 600)!.length, 600);
	t.is(stream.nextChunk(5000, Infinity)!.length, 400);
	t.is(stream.nextChunk(5000, Infinity), undefined);
	t.is(stream.blockedLimit(), 1000, 'STREAM_DATA_BLOCKED at 1000');
	t.is(stream.blockedLimit(), -1, 'reported once');
	stream.onLost(0, 600, false);
	t.is(stream.nextChunk(5000, 0)!.length, 600, 'retransmission needs no credit');
	stream.onMaxStreamData(2500);
	stream.onMaxStreamData(1200);
	t.deepEqual(
		{...stream.nextChunk(5000, Infinity)!},
		{offset: 1000, length: 1500, fin: false, newBytes: 1500},
	);
});

test('FIN rides on the last bytes, alone when written later, and is re-sent when lost', (t) => {
	const stream = new SendStream(1_000_000);
	stream.write(bytes(100));
	t.false(stream.nextChunk(1000, Infinity)!.fin);
	stream.end();
	t.deepEqual(
		{...stream.nextChunk(1000, Infinity)!},
		{offset: 100, length: 0, fin: true, newBytes: 0},
	);
	t.is(stream.nextChunk(1000, Infinity), undefined);
	stream.onLost(100, 0, true);
	t.true(stream.nextChunk(1000, Infinity)!.fin);
	stream.onLost(0, 100, false);
	t.deepEqual(
		{...stream.nextChunk(1000, Infinity)!},
		{offset: 0, length: 100, fin: true, newBytes: 0},
	);
	stream.onAck(0, 100, true);
	t.true(stream.isDone);
});

test('backpressure: write returns false over the high-water mark, drain once acknowledged', (t) => {
	const stream = new SendStream(1_000_000, 4000);
	t.true(stream.write(bytes(3000)));
	t.false(stream.write(bytes(3000)));
	t.false(stream.takeDrain());
	const chunk = stream.nextChunk(4000, Infinity)!;
	stream.onAck(chunk.offset, chunk.length, chunk.fin);
	t.is(stream.bufferedBytes, 2000);
	t.true(stream.takeDrain());
	t.false(stream.takeDrain());
});

test('writeFrame encodes a decodable STREAM frame and records it in the packet', (t) => {
	const stream = new SendStream(1_000_000);
	const connection = new SendWindow(10_000);
	const data = bytes(5000);
	stream.write(data.subarray(0, 2000));
	stream.write(data.subarray(2000));
	stream.end();
	const packet = new SentPacket();
	const buffer = new Uint8Array(1200);
	const end = stream.writeFrame(8, buffer, 100, 1200, connection, packet);
	t.is(end, 1200, 'fills the room exactly');
	const reader = new Reader(buffer, 100, end);
	t.is(reader.u8(), FRAME_STREAM);
	const frame = decodeStream(reader)!;
	t.is(frame.streamId, 8);
	t.deepEqual(Buffer.from(frame.data), data.subarray(0, frame.data.length));
	t.is(packet.streamCount, 1);
	t.is(packet.streamLengths[0], frame.data.length);
	t.is(connection.used, frame.data.length);
	t.is(stream.writeFrame(8, buffer, 1195, 1200, connection, packet), 1195, 'no room for a header');
});

test('reset drops the buffer, reports the final size and ignores later acknowledgements', (t) => {
	const stream = new SendStream(1_000_000);
	stream.write(bytes(3000));
	stream.nextChunk(1000, Infinity);
	t.is(stream.reset(7), 1000);
	t.is(stream.bufferedBytes, 0);
	t.is(stream.nextChunk(1000, Infinity), undefined);
	stream.onLost(0, 1000, false);
	t.false(stream.hasDataToSend(Infinity));
	t.true(
		isTornetError(
			t.throws(() => stream.write(bytes(1))),
			'BAD_ARGUMENT',
		),
	);
});
