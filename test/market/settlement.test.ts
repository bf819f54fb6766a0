import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {encodeCheque, signCheque} from '../../source/market/cheque.js';
import {paymentDetails} from '../../source/market/credit-line.js';
import {directLink, peerOf} from '../../source/market/direct-link.js';
import {LevelStore} from '../../source/market/ledger-store.js';
import {Market} from '../../source/market/market.js';
import {CHEQUE_METHOD} from '../../source/market/rails/cheque.js';
import type {MarketSettings} from '../../source/market/settings.js';
import {identity, levelMarket, manualClock, ORIGINAL_LINES, serveRequest} from './fixture.js';

// Lines of 1000 credits per rank; every request costs 1000: a rank-4 peer gets 4 on credit.
const SMALL: Partial<MarketSettings> = {
	...ORIGINAL_LINES,
	lineBytesPerRank: 1000,
	lineBits: 1,
	requestFee: 1000n,
	allowancePerSecond: 0n,
};

async function pair(t: Parameters<typeof levelMarket>[0], settings: Partial<MarketSettings> = {}) {
	const clock = manualClock();
	const a = await levelMarket(t, {rank: 4, settings: {...SMALL, ...settings}, now: clock.now});
	const b = await levelMarket(t, {rank: 4, settings: {...SMALL, ...settings}, now: clock.now});
	return {a: a.market, b: b.market, dbA: a.db, clock};
}

const serve = serveRequest;

const balanceOf = async (market: Market, other: Market) =>
	(await market.account(other.identity.id)).balance;

test('past its line a peer gets PAYMENT_REQUIRED; after a cheque it is served again', async (t) => {
	const {a, b} = await pair(t);
	for (let i = 0; i < 4; i++) await serve(a, b);
	const error = await t.throwsAsync(serve(a, b));
	t.deepEqual(paymentDetails(error), {owed: 4000n, line: 4000n, price: 1000n, rails: ['cheque']});
	const result = await b.settle(directLink(a, b.identity), 'cheque');
	t.is(result.amount, 4000n);
	t.is(await balanceOf(a, b), 0n);
	t.is(await balanceOf(b, a), 0n);
	await t.notThrowsAsync(serve(a, b));
	const account = await a.account(b.identity.id);
	t.like(account.lastSettlement, {rail: 'cheque', amount: 4000n, direction: 'in'});
});

test('a line survives restarts: reconnecting with the same identity resets nothing', async (t) => {
	const {a, b, dbA} = await pair(t);
	for (let i = 0; i < 4; i++) await serve(a, b);
	const restarted = new Market({identity: a.identity, store: new LevelStore(dbA), settings: SMALL});
	const error = await t.throwsAsync(serve(restarted, b));
	t.is(paymentDetails(error)?.owed, 4000n);
	// A new identity starts from nothing, but that is what its proof of work paid for.
	const fresh = identity(4);
	await t.notThrowsAsync(
		restarted.prepareServe(peerOf(fresh), {eventId: 'new-1', reason: 'request'}),
	);
});

test('replayed, smaller, foreign and misaddressed cheques are rejected', async (t) => {
	const {a, b} = await pair(t);
	for (let i = 0; i < 3; i++) await serve(a, b);
	const asB = peerOf(b.identity);
	const first = encodeCheque(
		signCheque({payee: a.identity.id, serial: 1, cumulative: 2000n}, b.identity),
	);
	await a.handle(CHEQUE_METHOD, first, asB);
	t.is(await balanceOf(a, b), 1000n);
	const replay = await t.throwsAsync(a.handle(CHEQUE_METHOD, first, asB));
	t.true(isTornetError(replay, 'REPLAYED'));
	const smaller = encodeCheque(
		signCheque({payee: a.identity.id, serial: 2, cumulative: 1500n}, b.identity),
	);
	t.true(isTornetError(await t.throwsAsync(a.handle(CHEQUE_METHOD, smaller, asB)), 'BAD_ARGUMENT'));
	const oldSerial = encodeCheque(
		signCheque({payee: a.identity.id, serial: 1, cumulative: 3000n}, b.identity),
	);
	t.true(isTornetError(await t.throwsAsync(a.handle(CHEQUE_METHOD, oldSerial, asB)), 'REPLAYED'));
	const stranger = identity(4);
	const foreign = encodeCheque(
		signCheque({payee: a.identity.id, serial: 5, cumulative: 9000n}, stranger),
	);
	t.true(isTornetError(await t.throwsAsync(a.handle(CHEQUE_METHOD, foreign, asB)), 'BAD_ARGUMENT'));
	const elsewhere = encodeCheque(
		signCheque({payee: stranger.id, serial: 5, cumulative: 9000n}, b.identity),
	);
	t.true(
		isTornetError(await t.throwsAsync(a.handle(CHEQUE_METHOD, elsewhere, asB)), 'BAD_ARGUMENT'),
	);
	const forged = Buffer.from(
		encodeCheque(signCheque({payee: a.identity.id, serial: 6, cumulative: 2500n}, b.identity)),
	);
	forged[forged.length - 1] ^= 1;
	t.true(isTornetError(await t.throwsAsync(a.handle(CHEQUE_METHOD, forged, asB)), 'BAD_SIGNATURE'));
	t.is(await balanceOf(a, b), 1000n, 'no rejected cheque moved the balance');
	t.true(
		isTornetError(
			await t.throwsAsync(a.handle(CHEQUE_METHOD, Buffer.from([1, 2, 3]), asB)),
			'BAD_MESSAGE',
		),
	);
});

test('signed IOUs are bounded: cheques beyond the limit are refused until cheques flow back', async (t) => {
	const {a, b} = await pair(t);
	for (let i = 0; i < 4; i++) await serve(a, b);
	await b.settle(directLink(a, b.identity), 'cheque');
	for (let i = 0; i < 4; i++) await serve(a, b);
	const refused = await t.throwsAsync(b.settle(directLink(a, b.identity), 'cheque'));
	t.true(isTornetError(refused, 'PAYMENT_REQUIRED'));
	t.false(paymentDetails(refused)!.rails.includes('cheque'));
	t.is(await balanceOf(a, b), 4000n);
	t.is(await balanceOf(b, a), -4000n, 'a refused cheque moves neither side');
	// B serves A (paying off its debt in service, then more) and A pays by cheque: cheques net out.
	for (let i = 0; i < 8; i++) await serve(b, a);
	t.is(await balanceOf(a, b), -4000n);
	await a.settle(directLink(b, a.identity), 'cheque');
	t.is(await balanceOf(a, b), 0n);
	for (let i = 0; i < 4; i++) await serve(a, b);
	await b.settle(directLink(a, b.identity), 'cheque');
	t.is(await balanceOf(a, b), 0n);
	t.is(await balanceOf(b, a), 0n);
	const view = await b.peerView(directLink(a, b.identity));
	t.like(view, {balance: 0n, chequeIn: 8000n, chequeOut: 4000n, line: 4000n, chequeRoom: 0n});
});

test('the allowance forgives a rate per second, and by default only peers that serve', async (t) => {
	const plain = await pair(t, {allowancePerSecond: 10n, allowanceReciprocal: false});
	for (let i = 0; i < 4; i++) await serve(plain.a, plain.b);
	const link = directLink(plain.a, plain.b.identity);
	t.is((await plain.b.settle(link, 'allowance')).amount, 0n, 'no time has passed');
	plain.clock.advance(100_000);
	t.is((await plain.b.settle(link, 'allowance')).amount, 1000n, '100 s at 10 credits/s');
	plain.clock.advance(1_000_000);
	t.is((await plain.b.settle(link, 'allowance')).amount, 3000n, 'never more than the debt');
	t.is(await balanceOf(plain.a, plain.b), 0n);
	t.is(await balanceOf(plain.b, plain.a), 0n);

	const reciprocal = await pair(t, {allowancePerSecond: 10n});
	for (let i = 0; i < 4; i++) await serve(reciprocal.a, reciprocal.b);
	reciprocal.clock.advance(1_000_000);
	const back = directLink(reciprocal.a, reciprocal.b.identity);
	t.is((await reciprocal.b.settle(back, 'allowance')).amount, 0n, 'B never served A');
	await serve(reciprocal.b, reciprocal.a);
	t.is(await balanceOf(reciprocal.a, reciprocal.b), 3000n);
	t.is(
		(await reciprocal.b.settle(back, 'allowance')).amount,
		1000n,
		'forgiven up to what B served',
	);
	t.is(await balanceOf(reciprocal.b, reciprocal.a), -2000n);
});

test('settling without a rail takes the allowance first and a cheque for the rest', async (t) => {
	const {a, b, clock} = await pair(t, {allowancePerSecond: 10n, allowanceReciprocal: false});
	for (let i = 0; i < 4; i++) await serve(a, b);
	clock.advance(150_000);
	const result = await b.settle(directLink(a, b.identity));
	t.is(result.amount, 4000n);
	t.is(await balanceOf(a, b), 0n);
	const events = await a.events(b.identity.id);
	t.deepEqual(
		events
			.filter((event) => event.kind === 'settled-in')
			.map((event) => [event.rail, event.amount]),
		[
			['cheque', 2500n],
			['allowance', 1500n],
		],
	);
	t.true(isTornetError(await t.throwsAsync(b.settle(directLink(a, b.identity))), 'BAD_ARGUMENT'));
});

test('with an opening share, a line starts small and grows with the service the peer gives', async (t) => {
	const {a, b} = await pair(t, {openingLinePermille: 250});
	await serve(a, b);
	t.deepEqual(paymentDetails(await t.throwsAsync(serve(a, b))), {
		owed: 1000n,
		line: 1000n,
		price: 1000n,
		rails: ['cheque'],
	});
	for (let i = 0; i < 2; i++) await serve(b, a);
	// B is owed 1000 now, and its line is the opening 1000 plus the 2000 it served.
	for (let i = 0; i < 4; i++) await serve(a, b);
	t.is(paymentDetails(await t.throwsAsync(serve(a, b)))?.line, 3000n, 'opening 1000 + 2000 served');
	for (let i = 0; i < 3; i++) await serve(b, a);
	t.is((await a.account(b.identity.id)).line, 4000n, 'never past the full line');
});

test('cheque verification is rate-limited per peer', async (t) => {
	const {a, b, clock} = await pair(t, {chequesPerMinute: 1});
	for (let i = 0; i < 2; i++) await serve(a, b);
	const asB = peerOf(b.identity);
	const cheque = (serial: number) =>
		encodeCheque(
			signCheque({payee: a.identity.id, serial, cumulative: BigInt(serial) * 500n}, b.identity),
		);
	await a.handle(CHEQUE_METHOD, cheque(1), asB);
	const limited = await t.throwsAsync(a.handle(CHEQUE_METHOD, cheque(2), asB));
	t.true(isTornetError(limited, 'TOO_MANY_REQUESTS'));
	clock.advance(60_000);
	await t.notThrowsAsync(a.handle(CHEQUE_METHOD, cheque(2), asB));
	t.is(await balanceOf(a, b), 1000n);
});
