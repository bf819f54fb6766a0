import test from 'ava';
import fc from 'fast-check';
import {isTornetError} from '../../source/errors.js';
import {distanceBits} from '../../source/identity/id.js';
import {
	chunkRequestPrice,
	distanceFactor,
	priceAt,
	transferPrice,
} from '../../source/market/pricing.js';
import {DEFAULT_MARKET_SETTINGS, marketSettings} from '../../source/market/settings.js';

const exact = {multiplierPermille: 1000, floorBits: 0};

function withBit(id: Buffer, bit: number): Buffer {
	const out = Buffer.from(id);
	out[19 - Math.floor(bit / 8)] ^= 1 << (bit % 8);
	return out;
}

test('a chunk B bytes from node N costs B × (160 − bitLength(N ⊕ C)) credits', (t) => {
	const node = Buffer.alloc(20, 0x5a);
	t.is(transferPrice(1000, node, node, exact), 160_000n, 'the chunk at our own id: 160 bits');
	t.is(transferPrice(1 << 20, node, withBit(node, 0), exact), BigInt(1 << 20) * 159n);
	t.is(transferPrice(1 << 20, node, withBit(node, 20), exact), BigInt(1 << 20) * 139n);
	t.is(transferPrice(1 << 20, node, withBit(node, 159), exact), 0n, 'top bit differs: free');
	t.is(distanceFactor(node, withBit(node, 159)), 0);
	t.is(distanceFactor(node, withBit(node, 159), 1), 1, 'the default floor keeps far bytes paid');
	t.is(transferPrice(10, node, withBit(node, 159), DEFAULT_MARKET_SETTINGS), 10n);
});

test('the multiplier scales in permille and rounds up; amounts stay exact past 2^53', (t) => {
	t.is(priceAt(3, 1, 1500), 5n, '4.5 rounds up');
	t.is(priceAt(3, 1, 0), 0n);
	t.is(priceAt(Number.MAX_SAFE_INTEGER, 160), BigInt(Number.MAX_SAFE_INTEGER) * 160n);
	const error = t.throws(() => priceAt(2 ** 53, 1));
	t.true(isTornetError(error, 'BAD_ARGUMENT'));
	t.true(
		isTornetError(
			t.throws(() => priceAt(-1, 1)),
			'BAD_ARGUMENT',
		),
	);
	t.true(
		isTornetError(
			t.throws(() => priceAt(1.5, 1)),
			'BAD_ARGUMENT',
		),
	);
});

test('a chunk request costs the request fee even for zero bytes (a chunk not found)', (t) => {
	const settings = marketSettings({requestFee: 777n});
	const node = Buffer.alloc(20, 1);
	t.is(chunkRequestPrice(0, node, Buffer.alloc(20, 2), settings), 777n);
	t.is(chunkRequestPrice(100, node, node, settings), 777n + 16_000n);
});

test('a holder closer to the chunk never charges less than one farther away', (t) => {
	const id = fc.uint8Array({minLength: 20, maxLength: 20}).map((bytes) => Buffer.from(bytes));
	fc.assert(
		fc.property(id, id, id, fc.integer({min: 0, max: 1 << 20}), (chunk, a, b, bytes) => {
			const [near, far] = distanceBits(a, chunk) <= distanceBits(b, chunk) ? [a, b] : [b, a];
			return transferPrice(bytes, near, chunk, exact) >= transferPrice(bytes, far, chunk, exact);
		}),
	);
	t.pass();
});

test('settings are validated', (t) => {
	t.true(
		isTornetError(
			t.throws(() => marketSettings({multiplierPermille: 1.5})),
			'BAD_ARGUMENT',
		),
	);
	t.true(
		isTornetError(
			t.throws(() => marketSettings({lookupFee: -1n})),
			'BAD_ARGUMENT',
		),
	);
	t.true(
		isTornetError(
			t.throws(() => marketSettings({floorBits: 161})),
			'BAD_ARGUMENT',
		),
	);
});
