import test from 'ava';
import {encodeCheque, signCheque} from '../../source/market/cheque.js';
import {directLink, peerOf} from '../../source/market/direct-link.js';
import type {Market} from '../../source/market/market.js';
import {CHEQUE_METHOD} from '../../source/market/rails/cheque.js';
import {levelMarket, SMALL_LINES} from './fixture.js';

const settings = SMALL_LINES;

async function check(t: {is: (a: unknown, b: unknown, m?: string) => void}, a: Market, b: Market) {
	const ab = await a.account(b.identity.id);
	const ba = await b.account(a.identity.id);
	t.is(ab.balance + ba.balance, 0n, 'balance[A][B] + balance[B][A] = 0');
	t.is(ab.received, ba.sent, 'received[A][B] = sent[B][A]');
	t.is(ab.sent, ba.received, 'sent[A][B] = received[B][A]');
}

test('after a lost record on either side, reconciling both ways restores the mirror', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const b = (await levelMarket(t, {rank: 5, settings})).market;
	const hexA = a.identity.id.toString('hex');
	// 1. A served and recorded; B crashed before recording (a claim B must accept).
	const lost = await a.prepareServe(peerOf(b.identity), {eventId: 'x-1', reason: 'request'});
	await a.commit(lost);
	// 2. B recorded what it used first; A crashed before committing (an admission for A).
	const unacked = await a.prepareServe(peerOf(b.identity), {eventId: 'x-2', reason: 'request'});
	await b.ledger.apply(hexA, {id: 'x-2', kind: 'used', amount: unacked.amount});
	a.release(unacked);
	// 3. A cheque from B that A accepted but whose answer B never got.
	await b.ledger.apply(hexA, {id: 'x-3', kind: 'used', amount: 100n});
	await a.ledger.apply(b.identity.id.toString('hex'), {id: 'x-3', kind: 'served', amount: 100n});
	const cheque = signCheque({payee: a.identity.id, serial: 1, cumulative: 150n}, b.identity);
	await directLink(a, b.identity).request(CHEQUE_METHOD, encodeCheque(cheque));
	t.is((await a.account(b.identity.id)).balance, 50n);
	t.is((await b.account(a.identity.id)).balance, -200n);

	const fromA = await b.reconcile(directLink(a, b.identity));
	const fromB = await a.reconcile(directLink(b, a.identity));
	t.like(fromA, {applied: 2, disputed: 0, claimed: 100n});
	t.like(fromB, {applied: 1, disputed: 0, claimed: 0n});
	await check(t, a, b);
	t.is((await b.ledger.account(hexA)).chequeOut.cumulative, 150n, 'B learned its cheque was taken');
	// Reconciling again changes nothing.
	t.like(await b.reconcile(directLink(a, b.identity)), {applied: 0});
	t.like(await a.reconcile(directLink(b, a.identity)), {applied: 0});
	await check(t, a, b);
});

test('claims past the limit and claimed settlements are disputed, not applied', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const b = (await levelMarket(t, {rank: 5, settings})).market;
	const hexB = b.identity.id.toString('hex');
	// A lies: it says it served B 10,000 credits and that B... was paid by B's own cheque.
	await a.ledger.apply(hexB, {id: 'lie-1', kind: 'served', amount: 10_000n});
	await a.ledger.apply(hexB, {id: 'lie-2', kind: 'settled-out', amount: 300n, rail: 'cheque'});
	const result = await b.reconcile(directLink(a, b.identity), 5000n);
	t.like(result, {applied: 0, disputed: 2, claimed: 0n});
	t.is((await b.account(a.identity.id)).balance, 0n);
});
