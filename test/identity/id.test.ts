import test from 'ava';
import {
	bitLength,
	compareDistance,
	distanceBits,
	idFromHex,
	nodeIdFromPublicKey,
	xorDistance,
} from '../../source/identity/id.js';
import {generateKeyPair, noisePublicKey, sign, verify} from '../../source/identity/keys.js';
import {leadingZeroBits, nonceFromCounter, rankOf} from '../../source/identity/rank.js';
import {formatAddress, parseAddress} from '../../source/identity/address.js';
import {isTornetError} from '../../source/errors.js';

const zero = Buffer.alloc(20);

test('bitLength counts significant bits of a 160-bit value', (t) => {
	t.is(bitLength(zero), 0);
	const one = Buffer.alloc(20);
	one[19] = 1;
	t.is(bitLength(one), 1);
	const top = Buffer.alloc(20);
	top[0] = 0x80;
	t.is(bitLength(top), 160);
	const mid = Buffer.alloc(20);
	mid[10] = 0x10;
	t.is(bitLength(mid), 9 * 8 + 5);
});

test('distanceBits equals bitLength of the xor', (t) => {
	for (let i = 0; i < 200; i++) {
		const a = generateKeyPair().publicKey.subarray(0, 20);
		const b = generateKeyPair().publicKey.subarray(0, 20);
		t.is(distanceBits(a, b), bitLength(xorDistance(a, b)));
	}
});

test('compareDistance orders by xor distance to the target', (t) => {
	const target = idFromHex('f'.repeat(40));
	const near = idFromHex('f'.repeat(39) + '0');
	const far = idFromHex('0'.repeat(40));
	t.true(compareDistance(target, near, far) < 0);
	t.true(compareDistance(target, far, near) > 0);
	t.is(compareDistance(target, near, near), 0);
});

test('node id is 20 bytes of SHA-256 of the public key', (t) => {
	const {publicKey} = generateKeyPair();
	const id = nodeIdFromPublicKey(publicKey);
	t.is(id.length, 20);
	t.deepEqual(nodeIdFromPublicKey(publicKey), id);
});

test('signatures verify only for the signed message and key', (t) => {
	const keys = generateKeyPair();
	const other = generateKeyPair();
	const message = Buffer.from('hello');
	const signature = sign(message, keys.secretKey);
	t.true(verify(signature, message, keys.publicKey));
	t.false(verify(signature, Buffer.from('hellp'), keys.publicKey));
	t.false(verify(signature, message, other.publicKey));
	t.false(verify(signature.subarray(1), message, keys.publicKey));
});

test('rank is the leading zero bits of sha256(key ‖ nonce)', (t) => {
	t.is(leadingZeroBits(Buffer.from([0, 0, 0x0f])), 20);
	t.is(leadingZeroBits(Buffer.from([0x80])), 0);
	const {publicKey} = generateKeyPair();
	let best = 0;
	for (let i = 0n; i < 4096n; i++) best = Math.max(best, rankOf(publicKey, nonceFromCounter(i)));
	t.true(best >= 4, '4096 tries reach rank 4 with overwhelming probability');
	t.is(rankOf(publicKey, Buffer.alloc(3)), 0, 'a nonce of the wrong size earns nothing');
});

test('noise key conversion rejects points that are not on the curve', (t) => {
	t.truthy(noisePublicKey(generateKeyPair().publicKey));
	const bad = Buffer.alloc(32, 0xff);
	t.is(noisePublicKey(bad), undefined);
});

test('addresses round-trip and reject bad input with BAD_ADDRESS', (t) => {
	const {publicKey} = generateKeyPair();
	for (const host of ['127.0.0.1', '::1', 'localhost']) {
		const text = formatAddress({publicKey, host, port: 4000});
		const parsed = parseAddress(text);
		t.is(parsed.host, host);
		t.is(parsed.port, 4000);
		t.deepEqual(parsed.publicKey, publicKey);
	}

	for (const bad of [
		'',
		'abc',
		`${publicKey.toString('hex')}@host`,
		`${publicKey.toString('hex')}@h:99999`,
		`zz@h:1`,
	]) {
		const error = t.throws(() => parseAddress(bad));
		t.true(isTornetError(error, 'BAD_ADDRESS'), bad);
	}
});
