import test from 'ava';
import fc from 'fast-check';
import {isTornetError} from '../../source/errors.js';
import {paymentDetails} from '../../source/market/credit-line.js';
import {Ledger} from '../../source/market/ledger.js';
import {LevelStore, MemoryStore} from '../../source/market/ledger-store.js';
import {manualClock, tempDb} from './fixture.js';

const PEER = 'aa'.repeat(20);

test('an event id applied twice changes the balance once, also after reopening', async (t) => {
	const {db} = await tempDb(t);
	const ledger = new Ledger({store: new LevelStore(db)});
	const first = await ledger.apply(PEER, {id: 'x-1', kind: 'served', amount: 100n});
	const again = await ledger.apply(PEER, {id: 'x-1', kind: 'served', amount: 100n});
	t.true(first.applied);
	t.false(again.applied);
	const reopened = new Ledger({store: new LevelStore(db)});
	t.false((await reopened.apply(PEER, {id: 'x-1', kind: 'served', amount: 100n})).applied);
	const account = await reopened.account(PEER);
	t.is(account.balance, 100n);
	t.is(account.sent, 100n);
	t.is(account.seq, 1);
	const [event] = await reopened.events(PEER);
	t.like(event, {id: 'x-1', kind: 'served', amount: 100n, balance: 100n, seq: 1});
});

test('each kind moves the balance its way and keeps the totals', async (t) => {
	const ledger = new Ledger({store: new MemoryStore()});
	await ledger.apply(PEER, {id: 'a', kind: 'served', amount: 50n});
	await ledger.apply(PEER, {id: 'b', kind: 'used', amount: 20n});
	await ledger.apply(PEER, {id: 'c', kind: 'settled-in', amount: 10n, rail: 'cheque'});
	await ledger.apply(PEER, {id: 'd', kind: 'settled-out', amount: 5n, rail: 'allowance'});
	const account = await ledger.account(PEER);
	t.like(account, {balance: 25n, sent: 50n, received: 20n, settledIn: 10n, settledOut: 5n});
	t.like(account.lastSettlement, {rail: 'allowance', amount: 5n, direction: 'out'});
});

test('a failed write changes nothing, and the event can be applied later', async (t) => {
	const {db} = await tempDb(t);
	const ledger = new Ledger({store: new LevelStore(db)});
	await ledger.apply(PEER, {id: 'ok', kind: 'served', amount: 1n});
	await db.close();
	await t.throwsAsync(ledger.apply(PEER, {id: 'lost', kind: 'served', amount: 5n}));
	t.is((await ledger.account(PEER)).balance, 1n);
	await db.open();
	t.true((await ledger.apply(PEER, {id: 'lost', kind: 'served', amount: 5n})).applied);
	t.is((await ledger.account(PEER)).balance, 6n);
});

test('concurrent reservations never add up past the line', async (t) => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(fc.bigInt({min: 1n, max: 1000n}), {minLength: 1, maxLength: 60}),
			fc.bigInt({min: 0n, max: 20_000n}),
			fc.bigInt({min: -5000n, max: 5000n}),
			async (amounts, limit, start) => {
				const ledger = new Ledger({store: new MemoryStore()});
				if (start !== 0n)
					await ledger.apply(PEER, {
						id: 'start',
						kind: start > 0n ? 'served' : 'used',
						amount: start > 0n ? start : -start,
					});
				const results = await Promise.allSettled(
					amounts.map(async (amount, i) => {
						const reservation = await ledger.reserve(PEER, {
							eventId: `r${i}`,
							amount,
							direction: 'serve',
							limit,
						});
						await new Promise((resolve) => {
							setImmediate(resolve);
						});
						await ledger.commit(reservation);
					}),
				);
				for (const result of results)
					if (result.status === 'rejected' && !isTornetError(result.reason, 'PAYMENT_REQUIRED'))
						throw result.reason;
				const {balance} = await ledger.account(PEER);
				return balance <= (start > limit ? start : limit);
			},
		),
		{numRuns: 60},
	);
	t.pass();
});

test('a refusal carries what is owed, the line, the price and the rails', async (t) => {
	const ledger = new Ledger({store: new MemoryStore()});
	await ledger.apply(PEER, {id: 'a', kind: 'served', amount: 90n});
	await ledger.reserve(PEER, {eventId: 'b', amount: 5n, direction: 'serve', limit: 100n});
	const error = await t.throwsAsync(
		ledger.reserve(PEER, {
			eventId: 'c',
			amount: 6n,
			direction: 'serve',
			limit: 100n,
			rails: ['cheque', 'bitcoin'],
		}),
	);
	t.deepEqual(paymentDetails(error), {
		owed: 95n,
		line: 100n,
		price: 6n,
		rails: ['cheque', 'bitcoin'],
	});
	// The other direction is limited by the line the peer gives us.
	await ledger.apply(PEER, {id: 'd', kind: 'used', amount: 190n});
	await t.throwsAsync(
		ledger.reserve(PEER, {eventId: 'e', amount: 1n, direction: 'use', limit: 100n}),
	);
	await t.notThrowsAsync(
		ledger.reserve(PEER, {eventId: 'f', amount: 1n, direction: 'serve', limit: 0n}),
	);
});

test('reservations expire, and a commit after expiry still charges', async (t) => {
	const clock = manualClock();
	const ledger = new Ledger({store: new MemoryStore(), now: clock.now, reservationTimeoutMs: 1000});
	const held = await ledger.reserve(PEER, {
		eventId: 'a',
		amount: 10n,
		direction: 'serve',
		limit: 10n,
	});
	await t.throwsAsync(
		ledger.reserve(PEER, {eventId: 'b', amount: 1n, direction: 'serve', limit: 10n}),
	);
	clock.advance(1001);
	const next = await ledger.reserve(PEER, {
		eventId: 'b',
		amount: 10n,
		direction: 'serve',
		limit: 10n,
	});
	await ledger.commit(held);
	await ledger.commit(next);
	t.is((await ledger.account(PEER)).balance, 20n, 'both transfers happened; both are charged');
});

test('an event id already applied or in flight cannot be reserved again', async (t) => {
	const ledger = new Ledger({store: new MemoryStore()});
	await ledger.apply(PEER, {id: 'done', kind: 'served', amount: 1n});
	const applied = await t.throwsAsync(
		ledger.reserve(PEER, {eventId: 'done', amount: 1n, direction: 'serve', limit: 100n}),
	);
	t.true(isTornetError(applied, 'BAD_ARGUMENT'));
	await ledger.reserve(PEER, {eventId: 'busy', amount: 1n, direction: 'serve', limit: 100n});
	await t.throwsAsync(
		ledger.reserve(PEER, {eventId: 'busy', amount: 1n, direction: 'serve', limit: 100n}),
	);
	await t.throwsAsync(ledger.apply(PEER, {id: 'bad id', kind: 'served', amount: 1n}));
	t.true(
		isTornetError(
			await t.throwsAsync(
				ledger.commit(
					{
						...(await ledger.reserve(PEER, {
							eventId: 'x',
							amount: 1n,
							direction: 'serve',
							limit: 100n,
						})),
					},
					{amount: 2n},
				),
			),
			'BAD_ARGUMENT',
		),
	);
});

test('old events are pruned to the configured number per peer', async (t) => {
	const {db} = await tempDb(t);
	const ledger = new Ledger({store: new LevelStore(db.sublevel('market')), maxEventsPerPeer: 16});
	for (let i = 1; i <= 40; i++) await ledger.apply(PEER, {id: `e${i}`, kind: 'served', amount: 1n});
	const events = await ledger.events(PEER, 0, 100);
	t.is(events.length, 16);
	t.is(events[0].id, 'e25');
	t.deepEqual(
		(await ledger.recentEvents(PEER, 3)).map((event) => event.id),
		['e40', 'e39', 'e38'],
	);
	t.is((await ledger.account(PEER)).balance, 40n);
	let keys = 0;
	for await (const _key of db.keys()) keys++;
	t.is(keys, 1 + 16 * 2, 'one account, 16 events and their index entries');
});
