import test from 'ava';
import type {AccountJson, LedgerReply} from '../../source/market/ledger-view.js';
import {checkLedgers, ZERO} from './ledger-check.js';

const A = 'aa'.repeat(20);
const B = 'bb'.repeat(20);
const C = 'cc'.repeat(20);

function account(peer: string, figures: Partial<AccountJson>): AccountJson {
	return {
		peer,
		rank: 8,
		...ZERO,
		line: '16000000',
		headroom: '16000000',
		lineToUs: '16000000',
		usePermille: 0,
		reserved: '0',
		lastSettlement: null,
		settlement: null,
		events: 1,
		...figures,
	};
}

function reply(id: string, accounts: AccountJson[]): LedgerReply {
	return {self: {id, rank: 8, line: '16000000'}, accounts};
}

// A served B 500 and was paid 300 by cheque: A is owed 200, B owes 200.
const mirrored = () => [
	reply(A, [account(B, {balance: '200', sent: '500', settledIn: '300', chequeIn: '300'})]),
	reply(B, [account(A, {balance: '-200', received: '500', settledOut: '300', chequeOut: '300'})]),
	reply(C, []),
];

test('mirrored ledgers pass; a pair without accounts is not counted', (t) => {
	const check = checkLedgers(mirrored());
	t.deepEqual(check.failures, []);
	t.is(check.pairs, 1);
	t.is(check.equalities, 2 + 7);
	t.is(check.settled, 300n);
	t.is(check.cheques, 300n);
});

test('a settlement only the creditor recorded breaks the balance, the settlement and the cheque mirrors', (t) => {
	const [a, b, c] = mirrored();
	b.accounts[0] = account(A, {balance: '-500', received: '500'});
	const check = checkLedgers([a, b, c]);
	t.deepEqual(
		check.failures.map((failure) => failure.split(': ')[1]),
		[
			'balance[A][B] + balance[B][A] = 0',
			'settledIn[A][B] = settledOut[B][A]',
			'chequeIn[A][B] = chequeOut[B][A]',
		],
	);
});

test('a service event one side lacks breaks received = sent; a missing account counts as zeros', (t) => {
	const [a, , c] = mirrored();
	const check = checkLedgers([a, reply(B, []), c]);
	t.is(check.pairs, 1);
	t.true(check.failures.some((failure) => failure.includes('sent[A][B] = received[B][A]')));
	t.true(check.failures.some((failure) => failure.includes('balance[A][B] + balance[B][A]')));
});

test('an account that does not add up on its own is a failure', (t) => {
	const [a, b, c] = mirrored();
	a.accounts[0] = {...a.accounts[0], balance: '201'};
	b.accounts[0] = {...b.accounts[0], balance: '-201'};
	const check = checkLedgers([a, b, c]);
	t.is(check.failures.length, 2);
	t.true(check.failures.every((failure) => failure.includes('≠ sent − received')));
});
