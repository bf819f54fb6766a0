import {isTornetError} from '../../../source/errors.js';
import {generateKeyPair} from '../../../source/identity/keys.js';
import {encodeAmount} from '../../../source/market/amount.js';
import {
	decodeCheque,
	encodeCheque,
	signCheque,
	verifyCheque,
} from '../../../source/market/cheque.js';
import {RAIL_NAMES} from '../../../source/market/credit-line.js';
import {
	decodeAccount,
	decodeEvent,
	encodeAccount,
	encodeEvent,
	EVENT_KINDS,
	newAccount,
	SERVICE_REASONS,
	type LedgerEvent,
} from '../../../source/market/ledger-records.js';
import {
	decodeAmountBody,
	decodeBalanceView,
	decodeEvents,
	decodeEventsRequest,
	decodeSettleAnswer,
	decodeText,
	encodeBalanceView,
	encodeEvents,
	encodeEventsRequest,
	encodeSettleAnswer,
	encodeText,
	type WireEvent,
} from '../../../source/market/messages.js';
import {decodeBip21, encodeBip21, MAX_URI_LENGTH} from '../../../source/market/rails/bip21.js';
import type {Random} from '../random.js';
import {check, codecTarget, roundTrip, text, type TargetSpec, utf8} from '../target.js';

function amount(random: Random): bigint {
	const roll = random.next();
	if (roll < 0.2) return 0n;
	if (roll < 0.6) return BigInt(random.int(1_000_000));
	return BigInt(`0x${random.bytes(random.between(1, 16)).toString('hex')}`);
}

function wireEvent(random: Random, seq: number): WireEvent {
	const event: WireEvent = {
		id: `ev-${random.int(1e9)}`,
		seq,
		time: 1_700_000_000_000 + random.int(1e9),
		kind: random.pick(EVENT_KINDS),
		amount: amount(random),
	};
	const detail = random.int(3);
	if (detail === 1) event.reason = random.pick(SERVICE_REASONS);
	if (detail === 2) event.rail = random.pick(RAIL_NAMES);
	if (random.chance(0.4)) event.chunk = random.bytes(20);
	return event;
}

/** A number JSON cannot carry (Infinity, NaN) anywhere in a decoded record. */
function hasNonFinite(value: unknown): boolean {
	if (typeof value === 'number') return !Number.isFinite(value);
	if (typeof value !== 'object' || value === null) return false;
	return Object.values(value).some((item) => hasNonFinite(item));
}

const payer = generateKeyPair();
/** Every cheque the payer signed in this run, canonical bytes in hex. */
const signed = new Set<string>();

export const marketTargets: TargetSpec[] = [
	codecTarget({
		name: 'market-balance-view',
		about:
			'market/messages decodeBalanceView: signed and unsigned amounts (minimal, ≤16 bytes), rail mask',
		seeds: (random) =>
			Array.from({length: 12}, (_, i) =>
				encodeBalanceView({
					balance: random.chance(0.5) ? -amount(random) : amount(random),
					sent: amount(random),
					received: amount(random),
					chequeIn: amount(random),
					chequeOut: amount(random),
					seq: i * 7,
					line: amount(random),
					chequeRoom: amount(random),
					rails: RAIL_NAMES.filter(() => random.chance(0.5)),
				}),
			),
		decode: decodeBalanceView,
		encode: encodeBalanceView,
		maxBytes: 300,
	}),
	codecTarget({
		name: 'market-events-request',
		about: 'market/messages decodeEventsRequest',
		seeds: (random) =>
			Array.from({length: 6}, () => encodeEventsRequest(random.int(1e6), random.int(300))),
		decode: decodeEventsRequest,
		encode: (value) => encodeEventsRequest(value.since, value.limit),
		maxBytes: 64,
	}),
	codecTarget({
		name: 'market-events',
		about:
			'market/messages decodeEvents: event ids, kinds, detail byte, chunk flag, amounts, round trip',
		seeds: (random) =>
			Array.from({length: 12}, () =>
				encodeEvents(Array.from({length: random.int(12)}, (_, i) => wireEvent(random, i + 1))),
			),
		decode: decodeEvents,
		encode: encodeEvents,
		dictionary: ['\u0080', '\u0081', '\u0010', '\u0011', '\u0012'],
		maxBytes: 4096,
	}),
	codecTarget({
		name: 'market-settle-answer',
		about: 'market/messages decodeSettleAnswer',
		seeds: (random) =>
			Array.from({length: 8}, () =>
				encodeSettleAnswer({
					amount: amount(random),
					serial: random.int(1000),
					eventId: random.chance(0.2) ? '' : `settle-${random.int(1e6)}`,
					balance: random.chance(0.5) ? -amount(random) : amount(random),
				}),
			),
		decode: decodeSettleAnswer,
		encode: encodeSettleAnswer,
		maxBytes: 200,
	}),
	codecTarget({
		name: 'market-amount',
		about:
			'market/amount via decodeAmountBody: length byte, minimal big-endian magnitude, 128-bit cap',
		seeds: (random) => Array.from({length: 12}, () => encodeAmount(amount(random))),
		decode: decodeAmountBody,
		encode: encodeAmount,
		maxBytes: 40,
	}),
	codecTarget({
		name: 'market-text',
		about: 'market/messages decodeText (u16 length ‖ UTF-8, 1024-byte cap)',
		seeds: (random) => [
			encodeText('bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001'),
			encodeText(''),
			encodeText('é'.repeat(random.int(600))),
		],
		decode: (input) => decodeText(input),
		encode: encodeText,
		lossless: false,
		maxBytes: 1200,
	}),
	codecTarget({
		name: 'cheque',
		about:
			'market/cheque decodeCheque + verifyCheque: a mutated cheque never verifies unless it is byte-identical to a signed one',
		weight: 0.3,
		seeds(random) {
			return Array.from({length: 8}, () => {
				const bytes = encodeCheque(
					signCheque(
						{payee: random.bytes(20), serial: random.between(1, 5000), cumulative: amount(random)},
						payer,
					),
				);
				signed.add(bytes.toString('hex'));
				return bytes;
			});
		},
		decode: decodeCheque,
		encode: encodeCheque,
		check(cheque) {
			// Ed25519 verification of hostile bytes: a cheque that verifies must be one the payer
			// signed (a non-minimal serial varint is the only slack the encoding has).
			if (verifyCheque(cheque))
				check(signed.has(encodeCheque(cheque).toString('hex')), 'a mutated cheque verified');
		},
		maxBytes: 200,
	}),
	codecTarget({
		name: 'bip21',
		about:
			'market/rails/bip21 decodeBip21 (peer-supplied invoice URIs): percent-decoding, amounts, req- params',
		seeds: () =>
			[
				'bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.00012345&label=tornet%20node&message=settle',
				'bitcoin:1BoatSLRHtKNngkdXEeobR76b6LXJ3bHbV',
				'bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?amount=12&x=y',
			].map(utf8),
		decode: (input) => decodeBip21(text(input)),
		check(request) {
			// Percent-encoding may grow a decoded URI past the 2,048-character bound: the encoder
			// then refuses it (BAD_ARGUMENT) rather than hand out a URI the decoder rejects.
			let encoded: string;
			try {
				encoded = encodeBip21(request);
			} catch (error) {
				check(isTornetError(error, 'BAD_ARGUMENT'), 'encodeBip21 threw something else');
				return;
			}

			check(encoded.length <= MAX_URI_LENGTH, 'encoded past the bound');
			roundTrip(
				request,
				(value) => utf8(encodeBip21(value)),
				(bytes) => decodeBip21(text(bytes)),
			);
		},
		dictionary: ['%', '%2', '%ZZ', '&', '=', '?', 'amount=', 'req-', '.', 'label='],
		maxBytes: 2100,
	}),
	codecTarget({
		name: 'ledger-account',
		about:
			'market/ledger-records decodeAccount (LevelDB value, JSON): local input, decoded totally',
		seeds(random) {
			return Array.from({length: 6}, () => {
				const account = newAccount(random.bytes(20).toString('hex'), 1_700_000_000_000);
				account.balance = -amount(random);
				return utf8(encodeAccount(account));
			});
		},
		decode: (input) => decodeAccount(text(input)),
		check(account) {
			// Every number must be exact: 1e400 parses as Infinity, which would encode as null.
			check(!hasNonFinite(account), 'a non-finite number decoded');
			roundTrip(
				account,
				(value) => utf8(encodeAccount(value)),
				(bytes) => decodeAccount(text(bytes)),
				false,
			);
		},
		dictionary: ['null', '[]', '{}', '"', ':', ',', '"balance":', '1e400', '-0'],
		maxBytes: 2048,
	}),
	codecTarget({
		name: 'ledger-event',
		about: 'market/ledger-records decodeEvent (LevelDB value, JSON)',
		seeds(random) {
			return Array.from({length: 6}, (_, i) => {
				const event = {
					...wireEvent(random, i + 1),
					balance: amount(random),
					peer: 'ab',
				} as unknown as LedgerEvent;
				delete (event as {chunk?: unknown}).chunk;
				return utf8(encodeEvent(event));
			});
		},
		decode: (input) => decodeEvent(text(input)),
		check(event) {
			check(!hasNonFinite(event), 'a non-finite number decoded');
			roundTrip(
				event,
				(value) => utf8(encodeEvent(value)),
				(bytes) => decodeEvent(text(bytes)),
				false,
			);
		},
		dictionary: ['null', '[]', '{}', '"', ':', ',', '"rail":', '"kind":"used"'],
		maxBytes: 2048,
	}),
];
