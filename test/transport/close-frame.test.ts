import test from 'ava';
import {
	encodeCloseFrame,
	MAX_CLOSE_REASON_BYTES,
	readCloseFrame,
} from '../../source/transport/frames.js';
import {Reader} from '../../source/util/varint.js';

test('a long close reason is cut at a character boundary', (t) => {
	const reason = 'x' + 'é€'.repeat(100); // 2- and 3-byte characters, offset by one byte
	const frame = encodeCloseFrame(7, reason);
	const reader = new Reader(frame);
	reader.u8(); // the frame type
	const close = readCloseFrame(reader);
	if (!close) return t.fail('the frame does not decode');
	t.is(close.code, 7);
	t.true(Buffer.byteLength(close.reason) <= MAX_CLOSE_REASON_BYTES);
	t.true(Buffer.byteLength(close.reason) > MAX_CLOSE_REASON_BYTES - 3);
	t.false(close.reason.includes('\uFFFD'));
	t.true(reason.startsWith(close.reason));
});
