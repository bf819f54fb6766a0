import test from 'ava';
import {directLink} from '../../source/market/direct-link.js';
import type {Market} from '../../source/market/market.js';
import {levelMarket, SMALL_LINES} from './fixture.js';

const settings = SMALL_LINES;

async function mirror(a: Market, b: Market) {
	const ab = await a.account(b.identity.id);
	const ba = await b.account(a.identity.id);
	return {sum: ab.balance + ba.balance, sent: ab.sent, received: ba.received};
}

test('an event both sides hold with different amounts converges on the larger one', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const b = (await levelMarket(t, {rank: 5, settings})).market;
	const hexA = a.identity.id.toString('hex');
	const hexB = b.identity.id.toString('hex');
	// A wrote the whole range and charged it; B's stream was cut and B paid the request fee.
	await a.ledger.apply(hexB, {id: 'chunk-1', kind: 'served', amount: 1000n, reason: 'chunk'});
	await b.ledger.apply(hexA, {id: 'chunk-1', kind: 'used', amount: 100n, reason: 'chunk'});
	// The other way round on a second event: B recorded more than A did (an admission for A).
	await a.ledger.apply(hexB, {id: 'chunk-2', kind: 'served', amount: 100n, reason: 'chunk'});
	await b.ledger.apply(hexA, {id: 'chunk-2', kind: 'used', amount: 700n, reason: 'chunk'});

	t.like(await b.reconcile(directLink(a, b.identity)), {applied: 1, claimed: 900n});
	t.like(await a.reconcile(directLink(b, a.identity)), {applied: 1, claimed: 0n});
	t.deepEqual(await mirror(a, b), {sum: 0n, sent: 1700n, received: 1700n});
	// Each side's `+` corrections are not mirrored back, and a second round changes nothing.
	t.like(await b.reconcile(directLink(a, b.identity)), {applied: 0});
	t.like(await a.reconcile(directLink(b, a.identity)), {applied: 0});
	t.deepEqual(await mirror(a, b), {sum: 0n, sent: 1700n, received: 1700n});
});

test('a larger claim than the limit allows is disputed, not applied', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const b = (await levelMarket(t, {rank: 5, settings})).market;
	await a.ledger.apply(b.identity.id.toString('hex'), {id: 'c', kind: 'served', amount: 9000n});
	await b.ledger.apply(a.identity.id.toString('hex'), {id: 'c', kind: 'used', amount: 100n});
	t.like(await b.reconcile(directLink(a, b.identity), 1000n), {applied: 0, disputed: 1});
	t.is((await b.account(a.identity.id)).received, 100n);
});
