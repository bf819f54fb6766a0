import test from 'ava';
import {directLink, peerOf} from '../../source/market/direct-link.js';
import {LevelStore} from '../../source/market/ledger-store.js';
import {Market} from '../../source/market/market.js';
import {levelMarket, ORIGINAL_LINES} from './fixture.js';

const settings = {
	...ORIGINAL_LINES,
	lineBytesPerRank: 1000,
	lineBits: 1,
	requestFee: 900n,
	allowancePerSecond: 0n,
};

/**
 * A buyer reserves against the line the seller extends to it, which grows with the buyer's rank;
 * after a crash it takes the seller's claims only up to a claim limit, and a claim past that is
 * disputed for good (its peer seq is passed). With the limit at the line of the seller's rank, a
 * buyer of higher rank that crashed with more than that in flight never learned what it owed:
 * balance[A][B] + balance[B][A] stayed 9,000 − 1,800. The limit must cover what the buyer may have
 * had in flight: the line the seller extends to it.
 */
test('a buyer of higher rank that crashes with its whole line in flight takes every transfer back', async (t) => {
	const a = (await levelMarket(t, {rank: 2, settings})).market; // A's own line: 2,000
	const {market: b, db} = await levelMarket(t, {rank: 10, settings}); // A extends B 10,000
	await b.peerView(directLink(a, b.identity));
	for (let index = 0; index < 10; index++) {
		const id = `t-${index}`;
		await b.prepareUse(peerOf(a.identity), id, 900n);
		await a.commit(await a.prepareServe(peerOf(b.identity), {eventId: id, reason: 'request'}));
	}

	// B dies before recording any of the ten: the same store, no reservations, no lines heard.
	const restarted = new Market({identity: b.identity, store: new LevelStore(db), settings});
	const merged = await restarted.reconcile(directLink(a, b.identity));
	t.like(merged, {applied: 10, disputed: 0, claimed: 9000n});
	const ab = await a.account(b.identity.id);
	const ba = await restarted.account(a.identity.id);
	t.is(ab.balance + ba.balance, 0n, 'balance[A][B] + balance[B][A] = 0');
	t.is(ba.received, ab.sent);
});

test('claims past what the buyer could have had in flight are still disputed', async (t) => {
	const a = (await levelMarket(t, {rank: 2, settings})).market;
	const b = (await levelMarket(t, {rank: 10, settings})).market;
	// A claims 12,000 of service B never asked for: more than any line between them.
	await a.ledger.apply(b.identity.id.toString('hex'), {id: 'lie', kind: 'served', amount: 12_000n});
	const merged = await b.reconcile(directLink(a, b.identity));
	t.like(merged, {applied: 0, disputed: 1, claimed: 0n});
	t.is((await b.account(a.identity.id)).balance, 0n);
});
