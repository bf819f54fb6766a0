import test from 'ava';
import {decodeMessage, encodeMessage, MAX_ERROR_MESSAGE_BYTES} from '../../source/rpc/messages.js';

test('a long error message is cut at a character boundary', (t) => {
	// 3-byte characters with a 1-byte offset: a byte cut at 512 would split one.
	const message = 'x' + '€'.repeat(400);
	const decoded = decodeMessage(encodeMessage({type: 'error', id: 7, code: 'BUSY', message}));
	if (decoded?.type !== 'error') return t.fail('not an error message');
	t.true(Buffer.byteLength(decoded.message) <= MAX_ERROR_MESSAGE_BYTES);
	t.false(decoded.message.includes('\uFFFD'));
	t.true(message.startsWith(decoded.message));
	t.is(decoded.message.length, 1 + Math.floor((MAX_ERROR_MESSAGE_BYTES - 1) / 3));
});
