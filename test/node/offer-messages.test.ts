import {randomBytes} from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import {TornetError} from '../../source/errors.js';
import {
	decodeOfferReply,
	decodeOfferRequest,
	encodeOfferReply,
	encodeOfferRequest,
	MAX_OFFER,
	OFFER_REQUEST_BYTES,
} from '../../source/node/offer-messages.js';

test('chunk.offer requests and replies round-trip', (t) => {
	const request = {
		chunkId: randomBytes(20),
		size: 1 << 20,
		offered: MAX_OFFER,
		eventId: randomBytes(16),
	};
	t.deepEqual(decodeOfferRequest(encodeOfferRequest(request)), request);
	const reply = {status: 'stored' as const, charged: 12_345n};
	t.deepEqual(decodeOfferReply(encodeOfferReply(reply), 12_345n), reply);
	t.deepEqual(decodeOfferReply(encodeOfferReply({status: 'held', charged: 0n}), 5n), {
		status: 'held',
		charged: 0n,
	});
});

test('a reply charging more than was offered, a bad status or a chunk size out of range is BAD_MESSAGE', (t) => {
	const reply = encodeOfferReply({status: 'stored', charged: 6n});
	t.is((decodeOfferReply(reply, 5n) as TornetError).code, 'BAD_MESSAGE');
	reply[0] = 2;
	t.is((decodeOfferReply(reply, 10n) as TornetError).code, 'BAD_MESSAGE');
	const request = encodeOfferRequest({
		chunkId: randomBytes(20),
		size: 1,
		offered: 0n,
		eventId: randomBytes(16),
	});
	request.writeUInt32BE(0, 20);
	t.is((decodeOfferRequest(request) as TornetError).code, 'BAD_MESSAGE');
	request.writeUInt32BE((1 << 20) + 1, 20);
	t.is((decodeOfferRequest(request) as TornetError).code, 'BAD_MESSAGE');
});

test('the decoders are total: any bytes give a value or a BAD_MESSAGE, never a throw', (t) => {
	fc.assert(
		fc.property(
			fc.uint8Array({maxLength: OFFER_REQUEST_BYTES + 4}),
			fc.bigInt({min: 0n, max: MAX_OFFER}),
			(bytes, offered) => {
				const body = Buffer.from(bytes);
				const request = decodeOfferRequest(body);
				if (request instanceof TornetError) return request.code === 'BAD_MESSAGE';
				const reply = decodeOfferReply(body, offered);
				return reply instanceof TornetError
					? reply.code === 'BAD_MESSAGE'
					: reply.charged <= offered;
			},
		),
		{numRuns: 2000},
	);
	fc.assert(
		fc.property(fc.uint8Array({minLength: 9, maxLength: 9}), (bytes) => {
			const reply = decodeOfferReply(Buffer.from(bytes), MAX_OFFER);
			return reply instanceof TornetError || reply.charged <= MAX_OFFER;
		}),
	);
	t.pass();
});
