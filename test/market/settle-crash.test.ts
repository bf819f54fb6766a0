import test, {type ExecutionContext} from 'ava';
import {isTornetError} from '../../source/errors.js';
import {directLink, peerOf} from '../../source/market/direct-link.js';
import {LevelStore} from '../../source/market/ledger-store.js';
import {Market} from '../../source/market/market.js';
import {CHEQUE_METHOD} from '../../source/market/rails/cheque.js';
import type {MarketLink} from '../../source/market/rails/rail.js';
import {levelMarket, SMALL_LINES} from './fixture.js';

/**
 * What the crash loop (test/faults/crash-loop.ts) does to settlements, in one process: the
 * creditor records a settlement and dies before its answer leaves, the debtor dies after signing,
 * the debtor settles again before it reconciled, two settlements race. Whatever happens, once both
 * sides reconciled every figure mirrors.
 */
const settings = {
	...SMALL_LINES,
	requestFee: 1000n,
	chequesPerMinute: 6000,
	chequeLimitLines: 10, // the cheque limit is not what these tests are about
};

async function trade(server: Market, client: Market, count: number): Promise<void> {
	for (let index = 0; index < count; index++) {
		const eventId = `t-${Math.random().toString(36).slice(2)}`;
		const reservation = await server.prepareServe(peerOf(client.identity), {
			eventId,
			reason: 'request',
		});
		await server.commit(reservation, {reason: 'request'});
		await client.ledger.apply(server.identity.id.toString('hex'), {
			id: eventId,
			kind: 'used',
			amount: reservation.amount,
			reason: 'request',
		});
	}
}

/** A link whose answers to `method` are lost after the server applied the request. */
function losing(server: Market, client: Market, method: string): MarketLink {
	const link = directLink(server, client.identity);
	return {
		peer: link.peer,
		async request(name, body) {
			const answer = await link.request(name, body);
			if (name === method) throw new Error('the creditor died before answering');
			return answer;
		},
	};
}

async function mirrors(t: ExecutionContext, a: Market, b: Market): Promise<void> {
	await b.reconcile(directLink(a, b.identity));
	await a.reconcile(directLink(b, a.identity));
	const ab = await a.ledger.account(b.identity.id.toString('hex'));
	const ba = await b.ledger.account(a.identity.id.toString('hex'));
	t.is(ab.balance + ba.balance, 0n, 'balance[A][B] + balance[B][A] = 0');
	t.is(ab.received, ba.sent);
	t.is(ab.sent, ba.received);
	t.is(ab.settledIn, ba.settledOut);
	t.is(ab.settledOut, ba.settledIn);
	t.is(ab.chequeIn.cumulative, ba.chequeOut.cumulative, 'cheques B→A agree');
	t.is(ab.chequeOut.cumulative, ba.chequeIn.cumulative, 'cheques A→B agree');
}

test('a cheque whose answer was lost, then a second settlement before reconciling: overpaid, still mirrored', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const b = (await levelMarket(t, {rank: 5, settings})).market;
	await trade(a, b, 3);
	await t.throwsAsync(b.settle(losing(a, b, CHEQUE_METHOD), 'cheque'));
	t.is((await a.account(b.identity.id)).balance, 0n, 'A took the cheque');
	t.is((await b.account(a.identity.id)).balance, -3000n, 'B does not know');
	// B pays its whole (stale) debt again: the cheque builds on what A accepted, so A is overpaid.
	const again = await b.settle(directLink(a, b.identity), 'cheque');
	t.is(again.amount, 3000n);
	t.is((await a.account(b.identity.id)).balance, -3000n);
	await mirrors(t, a, b);
	t.is((await b.account(a.identity.id)).balance, 3000n, 'B learned it paid twice: A owes it');
});

test('the debtor restarts after the creditor took its cheque: reconciling restores the cheque total', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const {market: b, db} = await levelMarket(t, {rank: 5, settings});
	await trade(a, b, 2);
	await trade(b, a, 1);
	await t.throwsAsync(b.settle(losing(a, b, CHEQUE_METHOD), 'cheque'));
	// A restart: the same store, nothing in memory.
	const restarted = new Market({identity: b.identity, store: new LevelStore(db), settings});
	await trade(a, restarted, 2);
	await restarted.settle(directLink(a, restarted.identity), 'cheque');
	await a.settle(directLink(restarted, a.identity), 'cheque').catch((error: unknown) => {
		if (!isTornetError(error, 'BAD_ARGUMENT')) throw error; // A owes nothing
	});
	await mirrors(t, a, restarted);
});

test('settlements that race (auto-settle beside `tornet settle`) refuse one another, never break the mirror', async (t) => {
	const a = (await levelMarket(t, {rank: 5, settings})).market;
	const b = (await levelMarket(t, {rank: 5, settings})).market;
	for (let round = 0; round < 5; round++) {
		await trade(a, b, 2);
		const results = await Promise.allSettled([
			b.settle(directLink(a, b.identity), 'cheque'),
			b.settle(directLink(a, b.identity), 'cheque'),
			b.settle(directLink(a, b.identity), 'cheque'),
		]);
		for (const result of results) {
			if (result.status === 'rejected')
				t.true(
					isTornetError(result.reason, 'REPLAYED') || isTornetError(result.reason, 'BAD_ARGUMENT'),
					String(result.reason),
				);
		}

		t.true(results.some((result) => result.status === 'fulfilled'));
	}

	await mirrors(t, a, b);
	t.is((await a.account(b.identity.id)).balance, 0n, 'every debt paid exactly once');
});
