import {randomBytes} from 'node:crypto';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import type {LedgerReply, SettleReply} from '../../source/market/ledger-view.js';
import {runCli, startNode} from '../helpers/run-cli.js';
import {ORIGINAL_LINES} from './fixture.js';

type Teardown = {teardown(fn: () => Promise<void>): void};

async function dataDir(t: Teardown, market?: Record<string, unknown>): Promise<string> {
	const directory = await mkdtemp(join(tmpdir(), 'tornet-cli-market-'));
	t.teardown(async () => rm(directory, {recursive: true, force: true}));
	if (market) await writeFile(join(directory, 'market.json'), JSON.stringify(market));
	return directory;
}

async function ledgerOf(data: string): Promise<LedgerReply> {
	const result = await runCli(['ledger', '--data', data, '--json']);
	if (result.code !== 0) throw new Error(result.stderr);
	return JSON.parse(result.stdout) as LedgerReply;
}

test('tornet ledger and tornet settle against running nodes', async (t) => {
	// A extends 10 MB × rank at 1 bit: the 1.5 MB below stays well inside B's line. B settles only
	// when told to, so its debt waits for `tornet settle`.
	const aData = await dataDir(t, {...ORIGINAL_LINES, lineBytesPerRank: 10_000_000, lineBits: 1});
	const aAddress = (await startNode(t, aData)).address;
	const source = join(await dataDir(t), 'data.bin');
	await writeFile(source, randomBytes(1_500_000));
	const published = await runCli(['publish', source, '--data', aData], {timeoutMs: 60_000});
	t.is(published.code, 0, published.stderr);

	const bData = await dataDir(t, {autoSettleCredits: 0});
	// A rank-0 identity has no line anywhere (100 MB × rank): B does a little proof of work first.
	const rank = await runCli(['rank', '--target', '4', '--data', bData, '--threads', '1']);
	t.is(rank.code, 0, rank.stderr);
	await startNode(t, bData, ['--bootstrap', aAddress]);
	const out = join(await dataDir(t), 'copy.bin');
	const link = published.stdout.trim();
	const fetched = await runCli(['fetch', link, '-o', out, '--data', bData], {timeoutMs: 60_000});
	t.is(fetched.code, 0, fetched.stderr);

	const ledgerB = await ledgerOf(bData);
	const ledgerA = await ledgerOf(aData);
	t.is(ledgerB.accounts.length, 1);
	const [ab] = ledgerA.accounts.filter((row) => row.peer === ledgerB.self.id);
	const [ba] = ledgerB.accounts;
	t.is(ba.peer, ledgerA.self.id);
	t.true(BigInt(ba.received) > 1_500_000n, 'every byte of the file paid at ≥ 1 bit');
	t.is(BigInt(ab.balance) + BigInt(ba.balance), 0n);
	t.is(ab.sent, ba.received);

	const table = await runCli(['ledger', '--data', bData]);
	t.is(table.code, 0, table.stderr);
	t.regex(table.stdout, /PEER\s+RANK\s+BALANCE\s+LINE\s+USE\s+SENT\s+RECEIVED\s+LAST SETTLEMENT/);
	t.true(table.stdout.includes(ledgerA.self.id.slice(0, 12)));

	const badRail = await runCli(['settle', ledgerA.self.id, '--rail', 'paypal', '--data', bData]);
	t.is(badRail.code, 2, badRail.stderr);
	t.regex(badRail.stderr, /^tornet settle: --rail must be cheque, bitcoin or allowance/);
	const unknown = await runCli(['settle', 'abcdef0123', '--data', bData]);
	t.is(unknown.code, 2, unknown.stderr);
	t.regex(unknown.stderr, /no peer abcdef0123 in the ledger/);

	const settle = await runCli([
		'settle',
		ledgerA.self.id.slice(0, 8),
		'--rail',
		'cheque',
		'--data',
		bData,
		'--json',
	]);
	t.is(settle.code, 0, settle.stderr);
	const reply = JSON.parse(settle.stdout) as SettleReply;
	t.deepEqual(reply, {
		peer: ledgerA.self.id,
		rail: 'cheque',
		amount: ba.received,
		balance: '0',
		pending: null,
	});
	const after = (await ledgerOf(aData)).accounts.find((row) => row.peer === ledgerB.self.id)!;
	t.is(after.balance, '0');
	t.like(after.lastSettlement, {rail: 'cheque', direction: 'in', amount: ba.received});
});

test('ledger and settle without a running node say so in one line and exit 1', async (t) => {
	const data = await dataDir(t);
	for (const args of [['ledger'], ['settle', 'abcd']]) {
		const result = await runCli([...args, '--data', data]);
		t.is(result.code, 1);
		t.regex(result.stderr, /^tornet (ledger|settle): NOT_RUNNING: no node is running[^\n]*\n$/);
	}
});
