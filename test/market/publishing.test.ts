import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {paymentDetails} from '../../source/market/credit-line.js';
import {
	decidePublish,
	displacementPrice,
	mayAdvertise,
	type StoredChunk,
	weeklyEarnings,
} from '../../source/market/publishing.js';

const settings = {multiplierPermille: 1000, floorBits: 1, requestFee: 0n};
const MB = 1 << 20;

// distance 150 → factor 10; 1 query/hour → a week earns 168 × 1 MiB × 10.
const stored: StoredChunk[] = [
	{key: 'popular-near', distance: 140, rate: 50, bytes: MB},
	{key: 'cold-far', distance: 150, rate: 1, bytes: MB},
	{key: 'cold-near', distance: 140, rate: 1, bytes: MB},
	{key: 'published', distance: 155, rate: 0, bytes: MB, pinned: true},
];

test('a chunk earns rate × a week × its distance price', (t) => {
	t.is(weeklyEarnings(stored[1], settings), 168n * BigInt(MB) * 10n);
	t.is(
		weeklyEarnings({key: 'x', distance: 160, rate: 0.5, bytes: 100}, {...settings, requestFee: 4n}),
		84n * 104n,
	);
});

test('the price of room is what the least profitable chunks would earn in a week', (t) => {
	t.deepEqual(displacementPrice(MB, 0, stored, settings), {
		price: 168n * BigInt(MB) * 10n,
		displaced: ['cold-far'],
		fits: true,
	});
	const two = displacementPrice(2 * MB, 0, stored, settings);
	t.deepEqual(two.displaced, ['cold-far', 'cold-near']);
	t.is(displacementPrice(MB, MB, stored, settings).price, 0n, 'free room costs nothing');
	t.false(displacementPrice(4 * MB, 0, stored, settings).fits, 'pinned chunks never go');
});

test('a node stores a pushed chunk only for a higher rank that pays enough', (t) => {
	const state = {ownRank: 20, freeBytes: 0, stored, settings, rails: ['cheque' as const]};
	const price = 168n * BigInt(MB) * 10n;
	const lowRank = decidePublish({publisherRank: 20, bytes: MB, offered: price}, state);
	t.false(lowRank.accept);
	t.true(!lowRank.accept && isTornetError(lowRank.error, 'RANK_TOO_LOW'));
	const cheap = decidePublish({publisherRank: 21, bytes: MB, offered: price - 1n}, state);
	t.false(cheap.accept);
	t.true(!cheap.accept && isTornetError(cheap.error, 'PAYMENT_REQUIRED'));
	t.is(!cheap.accept && paymentDetails(cheap.error)?.price, price);
	t.deepEqual(decidePublish({publisherRank: 21, bytes: MB, offered: price}, state), {
		accept: true,
		price,
		displaced: ['cold-far'],
	});
	const full = decidePublish({publisherRank: 30, bytes: 5 * MB, offered: 1n << 80n}, state);
	t.true(!full.accept && isTornetError(full.error, 'DISK_FULL'));
});

test('references are advertised only to lower-ranked nodes', (t) => {
	t.true(mayAdvertise(21, 20));
	t.false(mayAdvertise(20, 20));
	t.false(mayAdvertise(19, 20));
});
