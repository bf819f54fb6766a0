import test from 'ava';
import fc from 'fast-check';
import {Reader} from '../../source/util/varint.js';
import {
	encodeAmount,
	readAmount,
	readSigned,
	signedLength,
	writeSigned,
} from '../../source/market/amount.js';
import {paymentDetails, paymentRequired} from '../../source/market/credit-line.js';
import {
	decodeAmountBody,
	decodeBalanceView,
	decodeEvents,
	decodeEventsRequest,
	decodeSettleAnswer,
	decodeText,
	encodeBalanceView,
	encodeEvents,
	encodeSettleAnswer,
	type WireEvent,
} from '../../source/market/messages.js';
import {TornetError} from '../../source/errors.js';

const amount = fc.bigInt({min: 0n, max: (1n << 128n) - 1n});

test('amounts round-trip, signed and unsigned, and reject non-minimal encodings', (t) => {
	fc.assert(
		fc.property(amount, fc.boolean(), (value, negative) => {
			const signed = negative && value > 0n ? -value : value;
			const out = Buffer.alloc(signedLength(signed));
			writeSigned(out, 0, signed);
			const reader = new Reader(out);
			return readSigned(reader) === signed && reader.done && !reader.failed;
		}),
	);
	t.is(decodeAmountBody(Buffer.from([2, 0, 5])), undefined, 'leading zero byte');
	t.is(decodeAmountBody(Buffer.from([17, ...Buffer.alloc(17, 1)])), undefined, 'over 16 bytes');
	t.is(decodeAmountBody(Buffer.from([1, 0x80, 9])), undefined, 'trailing bytes');
	t.is(readAmount(new Reader(encodeAmount(0n))), 0n);
	const negativeZero = new Reader(Buffer.from([1, 0]));
	readSigned(negativeZero);
	t.true(negativeZero.failed);
});

test('market bodies round-trip', (t) => {
	const view = {
		balance: -12_345n,
		sent: 1n,
		received: 2n,
		chequeIn: 3n,
		chequeOut: 0n,
		seq: 99,
		line: 1n << 70n,
		chequeRoom: 5n,
		rails: ['allowance', 'bitcoin'] as Array<'allowance' | 'bitcoin'>,
	};
	t.deepEqual(decodeBalanceView(encodeBalanceView(view)), view);
	const events: WireEvent[] = [
		{
			id: 'a',
			seq: 1,
			time: 1_700_000_000_000,
			kind: 'served',
			amount: 10n,
			reason: 'chunk',
			chunk: Buffer.alloc(20, 7),
		},
		{id: 'cheque-00-1', seq: 2, time: 5, kind: 'settled-in', amount: 1n << 100n, rail: 'cheque'},
		{id: 'z', seq: 3, time: 6, kind: 'used', amount: 0n},
	];
	t.deepEqual(decodeEvents(encodeEvents(events)), events);
	const answer = {amount: 77n, serial: 3, eventId: 'allowance-1', balance: -5n};
	t.deepEqual(decodeSettleAnswer(encodeSettleAnswer(answer)), answer);
});

test('every market decoder is total', (t) => {
	const decoders = [
		decodeBalanceView,
		decodeEvents,
		decodeEventsRequest,
		decodeSettleAnswer,
		decodeAmountBody,
		decodeText,
	];
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 300}), (bytes) => {
			for (const decode of decoders) decode(bytes);
			return true;
		}),
		{numRuns: 3000},
	);
	t.pass();
});

test('PAYMENT_REQUIRED keeps its figures through the RPC error text', (t) => {
	const error = paymentRequired({
		owed: 123n,
		line: 100n,
		price: 7n,
		rails: ['allowance', 'cheque'],
	});
	t.true(error.message.length < 512);
	// What a peer's error becomes on our side (rpc.ts remoteError).
	const remote = new TornetError(
		'PAYMENT_REQUIRED',
		`peer: ${error.message.replace(/^[A-Z_]+: /, '')}`,
	);
	t.deepEqual(paymentDetails(remote), {
		owed: 123n,
		line: 100n,
		price: 7n,
		rails: ['allowance', 'cheque'],
	});
	t.is(
		paymentDetails(new TornetError('NOT_FOUND', '[owed=1 line=1 price=1 rails=cheque]')),
		undefined,
	);
});
