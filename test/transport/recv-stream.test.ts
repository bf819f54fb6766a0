import test from 'ava';
import fc from 'fast-check';
import {isTornetError} from '../../source/errors.js';
import {ReceiveWindow, SendWindow} from '../../source/transport/flow-control.js';
import {MAX_STREAM_GAPS, RecvStream} from '../../source/transport/recv-stream.js';

function source(length: number): Buffer {
	const out = Buffer.allocUnsafe(length);
	for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >> 8)) & 0xff;
	return out;
}

function readAll(stream: RecvStream): Buffer {
	const pieces: Buffer[] = [];
	for (let piece = stream.read(); piece; piece = stream.read()) pieces.push(piece);
	return Buffer.concat(pieces);
}

test('property: random permutations, duplicates and overlaps reassemble exactly', (t) => {
	fc.assert(
		fc.property(
			fc.integer({min: 0, max: 5000}),
			fc.array(fc.tuple(fc.nat(), fc.integer({min: 0, max: 700})), {maxLength: 40}),
			fc.array(fc.nat(), {maxLength: 60}),
			(length, extras, order) => {
				const data = source(length);
				// Cover every byte with consecutive frames, then add random overlapping ones.
				const frames: Array<[number, number]> = [];
				for (let offset = 0; offset < length; offset += 1000) {
					frames.push([offset, Math.min(length, offset + 1000)]);
				}

				if (length === 0) frames.push([0, 0]);
				for (const [start, size] of extras) {
					const from = length === 0 ? 0 : start % length;
					frames.push([from, Math.min(length, from + size)]);
				}

				// Shuffle by the random keys (duplicates of a frame stay possible via extras).
				const keyed = frames.map(
					(frame, i) => [order[i % Math.max(1, order.length)] ?? i, i, frame] as const,
				);
				keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
				const connection = new ReceiveWindow(1 << 20);
				const stream = new RecvStream(new ReceiveWindow(1 << 20), connection);
				const out: Buffer[] = [];
				for (const [, , [start, end]] of keyed) {
					const error = stream.onData(start, data.subarray(start, end), end === length);
					if (error) return false;
					out.push(readAll(stream));
				}

				return (
					Buffer.concat(out).equals(data) &&
					stream.isFinished &&
					stream.bufferedBytes === 0 &&
					connection.received === length &&
					connection.consumed === length
				);
			},
		),
	);
	t.pass();
});

test('a frame reaching past the stream window is refused whole: FLOW_CONTROL, nothing stored', (t) => {
	const stream = new RecvStream(new ReceiveWindow(1000));
	t.is(stream.onData(0, source(1000), false), undefined);
	const error = stream.onData(900, source(101), false);
	t.true(isTornetError(error, 'FLOW_CONTROL'));
	t.is(stream.bufferedBytes, 1000);
	t.is(stream.window.received, 1000);
});

test('the connection window is enforced across streams', (t) => {
	const connection = new ReceiveWindow(1500);
	const a = new RecvStream(new ReceiveWindow(1000), connection);
	const b = new RecvStream(new ReceiveWindow(1000), connection);
	t.is(a.onData(0, source(1000), false), undefined);
	t.true(isTornetError(b.onData(0, source(600), false), 'FLOW_CONTROL'));
	t.is(b.bufferedBytes, 0);
	t.is(b.onData(0, source(500), false), undefined);
	t.is(connection.received, 1500);
	t.is(a.onData(0, source(1000), false), undefined, 'a retransmission uses no new credit');
	t.is(a.duplicateBytes, 1000);
});

test('MAX_STREAM_DATA is due once half the window is read, and the window auto-tunes', (t) => {
	const stream = new RecvStream(new ReceiveWindow(1000, 4000));
	stream.onData(0, source(400), false);
	readAll(stream);
	t.is(stream.maxStreamDataUpdate(0, 50), 0, '600 of credit left');
	stream.onData(400, source(200), false);
	readAll(stream);
	t.is(stream.maxStreamDataUpdate(10, 50), 1600);
	stream.onData(600, source(600), false);
	readAll(stream);
	t.is(
		stream.maxStreamDataUpdate(40, 50),
		1200 + 2000,
		'updates within 2 RTTs: the window doubles',
	);
	t.is(stream.window.window, 2000);
});

test('final size: data past a FIN, a different FIN, or a FIN below received data are violations', (t) => {
	const stream = new RecvStream(new ReceiveWindow(10_000));
	t.is(stream.onData(0, source(100), true), undefined);
	t.true(isTornetError(stream.onData(100, source(10), false), 'PROTOCOL_VIOLATION'));
	t.true(isTornetError(stream.onData(0, source(50), true), 'PROTOCOL_VIOLATION'));
	t.is(stream.onData(0, source(100), true), undefined, 'the same FIN again is fine');
	const other = new RecvStream(new ReceiveWindow(10_000));
	other.onData(0, source(100), false);
	t.true(isTornetError(other.onData(0, source(50), true), 'PROTOCOL_VIOLATION'));
});

test('RESET_STREAM drops buffered data and returns its credit to the connection', (t) => {
	const connection = new ReceiveWindow(10_000);
	const stream = new RecvStream(new ReceiveWindow(5000), connection);
	stream.onData(1000, source(500), false);
	t.is(stream.onReset(3, 2000), undefined);
	t.is(stream.resetCode, 3);
	t.is(stream.read(), undefined);
	t.is(connection.received, 2000);
	t.is(connection.consumed, 2000);
	t.is(stream.onData(0, source(100), false), undefined, 'late data after a reset is ignored');
	const bad = new RecvStream(new ReceiveWindow(5000));
	bad.onData(0, source(500), false);
	t.true(isTornetError(bad.onReset(0, 100), 'PROTOCOL_VIOLATION'));
});

test('abandon: data keeps flowing into the connection window without being stored', (t) => {
	const connection = new ReceiveWindow(10_000);
	const stream = new RecvStream(new ReceiveWindow(5000), connection);
	stream.onData(0, source(300), false);
	stream.abandon();
	stream.onData(300, source(700), false);
	t.is(stream.bufferedBytes, 0);
	t.is(connection.consumed, 1000);
});

test('a peer splitting its window into too many islands is a protocol violation', (t) => {
	const stream = new RecvStream(new ReceiveWindow(1 << 20));
	let error;
	for (let i = 0; i <= MAX_STREAM_GAPS && !error; i++)
		error = stream.onData(2 * i + 1, source(1), false);
	t.true(isTornetError(error, 'PROTOCOL_VIOLATION'));
});

test('thousands of tiny in-order frames stay cheap: contiguous pieces are merged', (t) => {
	const stream = new RecvStream(new ReceiveWindow(1 << 20));
	const data = source(10_000);
	let errors = 0;
	for (let i = 1; i < 10_000; i++) if (stream.onData(i, data.subarray(i, i + 1), false)) errors++;
	t.is(errors, 0);
	t.true(stream.storedPieces < 5000, `${stream.storedPieces} pieces for 9999 bytes`);
	stream.onData(0, data.subarray(0, 1), false);
	t.deepEqual(readAll(stream), data);
});

test('SendWindow: limits only rise, blocked is reported once per limit', (t) => {
	const window = new SendWindow(100);
	window.consume(100);
	t.is(window.available, 0);
	t.is(window.blocked(), 100);
	t.is(window.blocked(), -1);
	t.false(window.onMaximum(50));
	t.true(window.onMaximum(300));
	t.is(window.available, 200);
	t.is(window.blocked(), -1);
});

test('readJoined joins consecutive small pieces up to a limit and hands large ones over as they are', (t) => {
	const stream = new RecvStream(new ReceiveWindow(1 << 20));
	const piece = (byte: number, length: number) => Buffer.alloc(length, byte);
	stream.onData(0, piece(1, 100), false);
	stream.onData(100, piece(2, 100), false);
	stream.onData(200, piece(3, 100), false);
	stream.onData(400, piece(4, 100), false); // after a gap: not joined
	const first = stream.readJoined(250, 1000)!;
	t.is(first.length, 200, 'two pieces fit the limit');
	t.deepEqual([first[0], first[199]], [1, 2]);
	t.is(stream.readJoined(1000, 1000)!.length, 100);
	t.is(stream.readJoined(1000, 1000), undefined, 'the gap stops reading');
	stream.onData(300, piece(5, 100), false);
	t.is(stream.readJoined(1000, 50)!.length, 100, 'pieces of joinBelow bytes or more come alone');
	t.is(stream.readOffset, 400);
	t.is(stream.window.consumed, 400);
});
