import test from 'ava';
import {utf8Prefix} from '../../source/util/utf8-prefix.js';

test('short text is returned whole', (t) => {
	t.is(utf8Prefix('héllo', 100).toString('utf8'), 'héllo');
});

test('a cut never splits a character', (t) => {
	// 'é' is 2 bytes, '€' 3, '😀' 4: every cut point must land on a boundary.
	const text = 'aé€😀'.repeat(20);
	const whole = Buffer.from(text, 'utf8');
	for (let max = 0; max <= whole.length; max++) {
		const cut = utf8Prefix(text, max);
		t.true(cut.length <= max);
		t.true(cut.length > max - 4, `no more than one character dropped at ${max}`);
		const decoded = cut.toString('utf8');
		t.false(decoded.includes('\uFFFD'), `cut at ${max}`);
		t.true(text.startsWith(decoded));
	}
});
