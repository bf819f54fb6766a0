import test from 'ava';
import {UsageError} from '../../source/cli/exit.js';
import {formatLedger} from '../../source/cli/ledger.js';
import {formatSettlement, settleCommand} from '../../source/cli/settle.js';
import type {AccountJson, LedgerReply} from '../../source/market/ledger-view.js';

const account: AccountJson = {
	peer: 'ab'.repeat(20),
	rank: 5,
	balance: '-2500000',
	line: '8000000',
	headroom: '10500000',
	lineToUs: '10000000',
	usePermille: 250,
	sent: '0',
	received: '2500000',
	settledIn: '0',
	settledOut: '1000',
	reserved: '0',
	lastSettlement: {time: 1_000_000, rail: 'cheque', amount: '1000', direction: 'out'},
	settlement: null,
	events: 3,
};

test('the ledger table shows balance, line, use and the last settlement', (t) => {
	const reply: LedgerReply = {
		self: {id: 'cd'.repeat(20), rank: 8, line: '12800000000'},
		accounts: [account],
	};
	const text = formatLedger(reply, 1_000_000 + 90_000);
	const [head, columns, row] = text.split('\n');
	t.is(head, 'node cdcdcdcdcdcd rank 8, line 12.8 G credits per peer of our rank');
	t.regex(columns!, /^PEER\s+RANK\s+BALANCE\s+LINE\s+USE\s+SENT\s+RECEIVED\s+LAST SETTLEMENT$/);
	t.regex(
		row!,
		/^abababababab\s+5\s+-2\.5 M\s+8\.0 M\s+25% ours\s+0\s+2\.5 M\s+cheque, we paid 1\.0 k, 1m 30s ago$/,
	);
	t.is(formatLedger({...reply, accounts: []}, 0).split('\n')[1], 'no accounts yet');
});

test('settle refuses a peer that is not hex, or an unknown rail, before asking the node', async (t) => {
	for (const [peer, rail] of [
		['not-hex', undefined],
		[undefined, undefined],
		['abcd', 'paypal'],
	] as const) {
		await t.throwsAsync(
			settleCommand(peer, {data: '/nonexistent', json: false, ...(rail ? {rail} : {})}),
			{
				instanceOf: UsageError,
			},
		);
	}
});

test('settlement lines say what moved, or that nothing was owed', (t) => {
	const peer = 'ef'.repeat(20);
	t.is(
		formatSettlement({peer, rail: 'cheque', amount: '4000000', balance: '0', pending: null}),
		'settled 4.0 M credits with efefefefefef by cheque; balance now 0',
	);
	t.is(
		formatSettlement({peer, rail: null, amount: '0', balance: '500', pending: null}),
		'we owe efefefefefef nothing (it owes us 500 credits)',
	);
	t.regex(
		formatSettlement({
			peer,
			rail: 'bitcoin',
			amount: '0',
			balance: '-9',
			pending: 'bitcoin:bcrt1q…',
		}),
		/\nto finish, pay: bitcoin:bcrt1q…$/,
	);
});
