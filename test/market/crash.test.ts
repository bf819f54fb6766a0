import {spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {directLink} from '../../source/market/direct-link.js';
import {openPair} from './crash-child.js';

const CHILD = fileURLToPath(new URL('crash-child.ts', import.meta.url));
const ROUNDS = 5;

/** Run the trading child until it has traded for `ms`, then SIGKILL it; resolves with its last op count. */
async function runAndKill(args: string[], ms: number): Promise<number> {
	const child = spawn(process.execPath, ['--import=tsx', CHILD, ...args], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let output = '';
	let timer: NodeJS.Timeout | undefined;
	child.stdout.setEncoding('utf8');
	child.stdout.on('data', (text: string) => {
		output += text;
		if (timer === undefined && output.includes('ready')) {
			timer = setTimeout(() => child.kill('SIGKILL'), ms);
		}
	});
	const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
		child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
	});
	if (signal !== 'SIGKILL')
		throw new Error(`child exited by itself (${code}): ${output.slice(-500)}`);
	const counts = [...output.matchAll(/ops (\d+)/g)];
	return counts.length > 0 ? Number(counts.at(-1)![1]) : 0;
}

test('SIGKILL in the middle of transfers and settlements: after restart and reconciliation the ledgers mirror each other', async (t) => {
	const root = await mkdtemp(join(tmpdir(), 'tornet-crash-'));
	t.teardown(async () => rm(root, {recursive: true, force: true}));
	const args = [
		join(root, 'a'),
		join(root, 'b'),
		randomBytes(32).toString('hex'),
		randomBytes(32).toString('hex'),
	];
	const kills: number[] = [];
	let ops = 0;
	for (let round = 0; round < ROUNDS; round++) {
		const ms = 150 + Math.floor(Math.random() * 500);
		kills.push(ms);
		ops += await runAndKill(args, ms);
	}

	t.log(`killed after ${kills.join(', ')} ms of trading; ≥ ${ops} trades`);
	const {a, b} = await openPair(...(args as [string, string, string, string]));
	t.teardown(async () => {
		await a.db.close();
		await b.db.close();
	});
	const before = {
		ab: await a.market.account(b.market.identity.id),
		ba: await b.market.account(a.market.identity.id),
	};
	const fromB = await a.market.reconcile(directLink(b.market, a.market.identity));
	const fromA = await b.market.reconcile(directLink(a.market, b.market.identity));
	t.log(
		`before reconciliation: ${before.ab.balance} + ${before.ba.balance}; merged ${fromB.applied} events into A, ${fromA.applied} into B`,
	);
	const ab = await a.market.account(b.market.identity.id);
	const ba = await b.market.account(a.market.identity.id);
	t.true(ab.events > 50 && ba.events > 50, 'the peers traded');
	t.true(ab.settledIn + ab.settledOut > 0n, 'and settled');
	t.is(fromA.disputed + fromB.disputed, 0);
	t.is(ab.balance + ba.balance, 0n, 'balance[A][B] + balance[B][A] = 0');
	t.is(ab.received, ba.sent, 'received[A][B] = sent[B][A]');
	t.is(ba.received, ab.sent, 'received[B][A] = sent[A][B]');
	t.is(ab.settledIn, ba.settledOut);
	t.is(ab.settledOut, ba.settledIn);
	const cheques = {
		a: await a.market.ledger.account(b.market.identity.id.toString('hex')),
		b: await b.market.ledger.account(a.market.identity.id.toString('hex')),
	};
	t.is(cheques.a.chequeIn.cumulative, cheques.b.chequeOut.cumulative, 'cheques B→A agree');
	t.is(cheques.b.chequeIn.cumulative, cheques.a.chequeOut.cumulative, 'cheques A→B agree');
});
