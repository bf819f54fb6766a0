import test from 'ava';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import {
	CHEQUE_DOMAIN,
	chequePayer,
	decodeCheque,
	encodeCheque,
	MAX_CHEQUE_BYTES,
	signCheque,
	verifyCheque,
} from '../../source/market/cheque.js';
import {identity} from './fixture.js';

test('a cheque round-trips through its codec and verifies', (t) => {
	const payer = identity(3);
	const payee = identity(3);
	const cheque = signCheque(
		{payee: payee.id, serial: 7, cumulative: 123_456_789_012_345_678_901n},
		payer,
	);
	const bytes = encodeCheque(cheque);
	t.true(bytes.length <= MAX_CHEQUE_BYTES);
	const decoded = decodeCheque(bytes);
	t.deepEqual(decoded, cheque);
	t.true(verifyCheque(decoded!));
	t.deepEqual(chequePayer(decoded!), payer.id);
});

test('any change to a signed cheque breaks its signature', (t) => {
	const payer = identity(1);
	const bytes = encodeCheque(
		signCheque({payee: identity(1).id, serial: 1, cumulative: 1000n}, payer),
	);
	for (let i = 0; i < bytes.length; i++) {
		const tampered = Buffer.from(bytes);
		tampered[i] ^= 0x01;
		const decoded = decodeCheque(tampered);
		t.false(decoded !== undefined && verifyCheque(decoded), `byte ${i}`);
	}
});

test('the signature is plain Ed25519: tweetnacl verifies what sodium-native signed', (t) => {
	const payer = identity(1);
	const bytes = encodeCheque(signCheque({payee: identity(1).id, serial: 2, cumulative: 5n}, payer));
	const signed = bytes.subarray(0, bytes.length - 64);
	const message = Buffer.concat([CHEQUE_DOMAIN, signed]);
	t.true(nacl.sign.detached.verify(message, bytes.subarray(bytes.length - 64), payer.publicKey));
});

test('the cheque decoder is total', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 200}), (bytes) => {
			const cheque = decodeCheque(bytes);
			return cheque === undefined || encodeCheque(cheque).equals(Buffer.from(bytes));
		}),
		{numRuns: 2000},
	);
	const good = encodeCheque(
		signCheque({payee: identity(1).id, serial: 1, cumulative: 1n}, identity(1)),
	);
	for (let length = 0; length < good.length; length++)
		t.is(decodeCheque(good.subarray(0, length)), undefined);
	t.is(decodeCheque(Buffer.concat([good, Buffer.from([0])])), undefined);
});
