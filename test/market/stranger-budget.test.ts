import {randomBytes} from 'node:crypto';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {chequeLimit, paymentDetails} from '../../source/market/credit-line.js';
import {directLink} from '../../source/market/direct-link.js';
import {LevelStore} from '../../source/market/ledger-store.js';
import {Market} from '../../source/market/market.js';
import type {MarketSettings} from '../../source/market/settings.js';
import {identity, levelMarket, manualClock, tempDb, serveRequest} from './fixture.js';

// Full lines of 10,000 credits per rank, opening lines of 10% (1,000 per rank); a request costs
// 1,000. The server is rank 4: the strangers' budget starts at one opening line, 4,000, plus 10%
// of everything it sells.
const SETTINGS: Partial<MarketSettings> = {
	lineBytesPerRank: 10_000,
	lineBits: 1,
	requestFee: 1000n,
	allowancePerSecond: 0n,
	openingLinePermille: 100,
	strangerSharePermille: 100,
};

const serve = serveRequest;

async function market(t: Parameters<typeof levelMarket>[0], rank = 4) {
	return (await levelMarket(t, {rank, settings: SETTINGS, now: manualClock().now})).market;
}

test('strangers together get at most the budget, however many identities they use', async (t) => {
	const server = await market(t);
	let served = 0;
	for (let i = 0; i < 12; i++) {
		const stranger = await market(t);
		try {
			await serve(server, stranger); // each one's own opening line would allow 4
			await serve(server, stranger);
			served += 2;
		} catch (error) {
			t.true(isTornetError(error, 'PAYMENT_REQUIRED'));
			t.truthy(paymentDetails(error));
		}
	}

	// 4,000 of floor, +10% of sales as they grow: 4 requests, then 4,400 → still 4, … never 5.
	t.is(served, 4);
	t.is(server.strangers.budget.used(), 4000n);
});

test('a stranger that pays ahead is served even when the budget is used up', async (t) => {
	const server = await market(t);
	const first = await market(t);
	for (let i = 0; i < 4; i++) await serve(server, first);
	const late = await market(t);
	const error = await t.throwsAsync(serve(server, late));
	const details = paymentDetails(error)!;
	t.is(details.price, 1000n);
	t.false(details.rails.includes('cheque'), 'IOUs do not pay past the budget');
	// A backed payment (what the Bitcoin rail records) ahead of the request.
	const id = `prepay-${randomBytes(4).toString('hex')}`;
	const lateKey = late.identity.id.toString('hex');
	await server.ledger.apply(lateKey, {id, kind: 'settled-in', amount: 1000n, rail: 'bitcoin'});
	await late.ledger.apply(server.identity.id.toString('hex'), {
		id,
		kind: 'settled-out',
		amount: 1000n,
		rail: 'bitcoin',
	});
	await t.notThrowsAsync(serve(server, late));
	await t.throwsAsync(serve(server, late), {message: /PAYMENT_REQUIRED|used up/});
});

test('cheques from a stranger count as debt: signing IOUs frees no budget', async (t) => {
	const server = await market(t);
	const signer = await market(t);
	for (let i = 0; i < 4; i++) await serve(server, signer);
	// Its own line has room (4,000 of 4,000 used… settle 4,000 by cheque to clear it).
	const result = await signer.settle(directLink(server, signer.identity), 'cheque');
	t.is(result.amount, 4000n);
	t.is((await server.account(signer.identity.id)).balance, 0n);
	await t.throwsAsync(serve(server, signer));
	t.is(server.strangers.budget.used(), 4000n);
});

test('a peer that served us its opening line trades on its own line, outside the budget', async (t) => {
	const server = await market(t);
	const trader = await market(t);
	for (let i = 0; i < 4; i++) await serve(server, trader);
	await t.throwsAsync(serve(server, trader));
	// The trader serves the server 5 requests: its line at the server grows past the opening one.
	for (let i = 0; i < 5; i++) await serve(trader, server);
	await t.notThrowsAsync(serve(server, trader));
	t.is(server.strangers.budget.used(), 0n);
});

test('the cheque limit is the earned line: a stranger signs for one opening line', async (t) => {
	const settings = {...SETTINGS, strangerSharePermille: 1000} as MarketSettings;
	t.is(chequeLimit(4, 0n, {...settings, chequeLimitLines: 1}), 4000n);
	t.is(chequeLimit(4, 2500n, {...settings, chequeLimitLines: 1}), 6500n);
	t.is(chequeLimit(4, 10n ** 9n, {...settings, chequeLimitLines: 2}), 80_000n);
});

test('the budget survives a restart: strangers cannot reset it by waiting', async (t) => {
	const {db} = await tempDb(t);
	const me = identity(4);
	const clock = manualClock();
	const open = () =>
		new Market({identity: me, store: new LevelStore(db), settings: SETTINGS, now: clock.now});
	const server = open();
	for (let i = 0; i < 4; i++) await serve(server, await market(t));
	const again = open();
	await t.throwsAsync(serve(again, await market(t)));
	t.is(again.strangers.budget.used(), 4000n);
});
