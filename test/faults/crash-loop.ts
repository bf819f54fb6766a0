/**
 * `npm run crash:loop [-- --kills 100 | --quick] [--mb 8] [--nodes 3] [--seed n] [--json]
 * [--verbose]`:
 * real node processes on loopback (real UDP, real LevelDB), each with small credit lines
 * (crash-cluster.ts) so that fetches keep hitting PAYMENT_REQUIRED and settle by allowance and
 * cheques. Every round SIGKILLs one node at a random moment of a publish (the publisher), a fetch
 * (the fetcher or a holder serving it, while `tornet settle` runs beside it) or a settlement (the
 * debtor or the creditor, 0–120 ms after `settle` was asked), then:
 * - while the victim is down, its chunk store: every chunk the index lists reads back verified;
 * - once it is back and no job runs, every node's ledger (`ledger` over the control socket), for
 *   every pair: balance[A][B] + balance[B][A] = 0, received[A][B] = sent[B][A], settled in/out
 *   and cheque totals mirror (ledger-check.ts), after each node settled with each peer (which
 *   reconciles first).
 * At the end every half-done fetch completes byte-exact and the ledgers are checked once more.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {type Content, CrashCluster, sleep} from './crash-cluster.js';
import {checkLedgers, type LedgerCheck} from './ledger-check.js';
import {projectRoot} from './lab-node.js';
import {checkStore} from './store-check.js';

const {values} = parseArgs({
	options: {
		kills: {type: 'string'},
		quick: {type: 'boolean', default: false},
		mb: {type: 'string', default: '8'},
		nodes: {type: 'string', default: '3'},
		seed: {type: 'string'},
		json: {type: 'boolean', default: false},
		verbose: {type: 'boolean', default: false},
	},
});
const kills = Number(values.kills ?? (values.quick ? 10 : 100));
const bytes = Math.round(Number(values.mb) * 1_000_000);
const nodeCount = Number(values.nodes);
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
if (!(kills > 0 && bytes > 0 && nodeCount >= 2)) throw new Error('bad --kills, --mb or --nodes');
const log = (line: string) => {
	process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

/** Uploads are paced so that a fetch of a few MB lasts long enough to be hit. */
const FLAGS = ['--upload', '4MB/s', '--disk', '8GB'];
/** Ledger checks that still fail after this many reconcile passes count as failures. */
const RECONCILE_PASSES = 3;
const MAX_DETAILS = 20;
/**
 * Shares of the kills that hit the serving side: a holder mid-fetch, the creditor mid-settlement.
 * Kept low because the fetcher then stalls on its connection to the killed holder until the
 * chunk transfer gives up (10 s per stalled read, ~35 s in all; see docs/reliability.md).
 */
const HOLDER_PERCENT = 15;
const CREDITOR_PERCENT = 40;
/** A fetch still running this long after its holder's restart is ended by killing the fetcher. */
const STALL_CAP_MS = 60_000;

/** mulberry32: the rounds' choices replay from --seed (the kill moments still race real work). */
let state = seed >>> 0;
function random(): number {
	state = (state + 0x6d_2b_79_f5) >>> 0;
	let t = state;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}

/** With --verbose, one line per round: what was killed and how long each step took. */
let roundLog: string[] = [];
let stepAt = Date.now();
const step = (what: string) => {
	const now = Date.now();
	roundLog.push(`${what} ${now - stepAt}ms`);
	stepAt = now;
};

/**
 * Deterministic shares, so that every role gets its kills even in a 10-kill run: true for
 * `percent`% of the calls for one role, the first call included (integers: no rounding drift).
 */
const turns = new Map<string, number>();
function turn(role: string, percent: number): boolean {
	const count = turns.get(role) ?? 0;
	turns.set(role, count + 1);
	const hits = (calls: number) => Math.floor((calls * percent + 100 - percent) / 100);
	return hits(count + 1) > hits(count);
}

const below = (n: number) => Math.floor(random() * n);
const pick = <T>(items: T[]): T => items[below(items.length)];

const totals = {
	kills: 0,
	midPublish: 0,
	midFetch: 0,
	midSettle: 0,
	completedBeforeKill: 0,
	killedPublisher: 0,
	killedFetcher: 0,
	killedHolder: 0,
	killedDebtor: 0,
	killedCreditor: 0,
	/** Fetchers killed because they still stalled STALL_CAP_MS after their holder restarted. */
	killedStalledFetcher: 0,
	storeChecks: 0,
	chunksVerified: 0,
	failedChunks: 0,
	recoveries: 0,
	droppedRecords: 0,
	orphanBodies: 0,
	settleCalls: 0,
	settlePaid: 0,
	settleRefused: 0,
	/** Settle calls to a node that was down at the time (the call ran beside a kill). */
	settleNodeDown: 0,
	ledgerChecks: 0,
	ledgerPairsChecked: 0,
	ledgerEqualities: 0,
	ledgerFailures: 0,
	/** Checks already consistent before the explicit settle pass (reconnect reconciliation only). */
	consistentBeforeSettle: 0,
	/** Settle calls of the check's reconcile passes that failed (a peer that cannot answer yet). */
	reconcileErrors: 0,
	/** Checks that needed a second or third reconcile pass. */
	extraReconcilePasses: 0,
	fetchesCompleted: 0,
	finalFetchRetries: 0,
};
const details: string[] = [];
let finalOk = false;
let finalCheck: LedgerCheck | undefined;

process.chdir(projectRoot);
const directory = await mkdtemp(join(tmpdir(), 'tornet-crash-'));
const cluster = new CrashCluster(directory);
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (interrupted) return;
		interrupted = true;
		log(`${signal} after ${totals.kills} kills: ${JSON.stringify(totals)}`);
		void cluster
			.kill()
			.then(async () => rm(directory, {recursive: true, force: true}))
			.then(() => process.exit(130));
	});
}

/** Kill node `index`, check its store while it is down, start it again. */
async function crash(index: number): Promise<void> {
	const node = cluster.nodes[index];
	await node.kill();
	totals.kills++;
	const check = await checkStore(node.spec.dataDir);
	totals.storeChecks++;
	totals.chunksVerified += check.verified;
	totals.failedChunks += check.failed;
	if (check.recovered) totals.recoveries++;
	totals.droppedRecords += check.dropped;
	totals.orphanBodies += check.orphans;
	if (check.failed > 0) fail(`store of node ${index}: ${check.failed} chunks fail to verify`);
	step(`store check (${check.verified} chunks)`);
	await node.start();
}

function fail(text: string): void {
	log(text);
	if (details.length < MAX_DETAILS) details.push(text);
}

/** Settle with every peer, then check every pair; again (up to RECONCILE_PASSES) while it fails. */
async function checkAllLedgers(label: string): Promise<LedgerCheck> {
	if (checkLedgers(await cluster.ledgers()).failures.length === 0) totals.consistentBeforeSettle++;
	let check: LedgerCheck | undefined;
	let errors: string[] = [];
	for (let pass = 1; pass <= RECONCILE_PASSES; pass++) {
		if (pass > 1) totals.extraReconcilePasses++;
		errors = await cluster.reconcileAll();
		totals.reconcileErrors += errors.length;
		check = checkLedgers(await cluster.ledgers());
		if (check.failures.length === 0) break;
	}

	totals.ledgerChecks++;
	totals.ledgerPairsChecked += check!.pairs;
	totals.ledgerEqualities += check!.equalities;
	if (check!.failures.length > 0) {
		totals.ledgerFailures++;
		fail(`${label}: ledgers disagree: ${check!.failures.join('; ')} (settle errors: ${errors})`);
	}

	return check!;
}

const contents: Content[] = [];
/** Fetches cut by a kill, to resume: fetcher → content index. */
const pending = new Map<number, number>();
const outPath = (fetcher: number, content: number) =>
	join(directory, `out-${fetcher}-${content}.bin`);

function chooseFetch(): {fetcher: number; content: number} | undefined {
	if (pending.size > 0 && random() < 0.7) {
		const [fetcher, content] = pick([...pending]);
		return {fetcher, content};
	}

	const options: Array<{fetcher: number; content: number}> = [];
	for (const [content, {holders}] of contents.entries())
		for (let fetcher = 0; fetcher < nodeCount; fetcher++)
			if (!holders.has(fetcher) && pending.get(fetcher) === undefined)
				options.push({fetcher, content});
	return options.length > 0 ? pick(options) : undefined;
}

async function publishRound(round: number): Promise<void> {
	const publisher = below(nodeCount);
	const path = join(directory, `content-${round}.bin`);
	const attempt = cluster.publish(publisher, path, bytes).catch(() => undefined);
	if (await cluster.jobRunning(publisher, path, 30_000, attempt)) await sleep(below(300));
	step(`publish on ${publisher}, kill it`);
	totals.killedPublisher++;
	await crash(publisher);
	step('restart');
	const content = await attempt;
	if (content) {
		totals.completedBeforeKill++;
		contents.push(content);
	} else totals.midPublish++;
}

/** Asks `tornet settle` of the fetcher with a random holder, every 100–300 ms, until stopped. */
function settleBeside(fetcher: number, holders: number[]): {stop: () => Promise<void>} {
	let stopped = false;
	const loop = (async () => {
		while (!stopped) {
			await sleep(100 + below(200));
			if (stopped) break;
			await settleOnce(fetcher, pick(holders));
		}
	})();
	return {
		async stop() {
			stopped = true;
			await loop;
		},
	};
}

/** Why settle calls failed, by the error's first words (printed with --verbose). */
const settleErrors = new Map<string, number>();

async function settleOnce(debtor: number, creditor: number): Promise<void> {
	totals.settleCalls++;
	const reply = await cluster.settle(debtor, creditor);
	if (reply instanceof Error && /^(NOT_RUNNING|CONNECTION_CLOSED)/.test(reply.message))
		totals.settleNodeDown++;
	else if (reply instanceof Error) {
		totals.settleRefused++;
		const key = reply.message.replaceAll(/[\da-f]{16,}/g, '…').slice(0, 60);
		settleErrors.set(key, (settleErrors.get(key) ?? 0) + 1);
	} else if (reply.rail !== null) totals.settlePaid++;
}

async function fetchRound(choice: {fetcher: number; content: number}, atSettle: boolean) {
	const {fetcher} = choice;
	const content = contents[choice.content];
	const holders = [...content.holders].filter((holder) => holder !== fetcher);
	const out = outPath(fetcher, choice.content);
	const attempt = cluster.fetch(fetcher, content, out);
	// Beside a plain fetch, `settle` every few hundred ms; not in a settlement round, where the
	// debt must build up so that the settlement the kill aims at has something to pay.
	const beside = atSettle ? undefined : settleBeside(fetcher, holders);
	const running = await cluster.jobRunning(fetcher, content.link, 30_000, attempt);
	step(`fetch on ${fetcher} from ${holders.join(',')} started`);
	let victim: number;
	if (atSettle) {
		// Let debt build up, ask for a settlement, and kill one side of it 0–120 ms later
		// (a settlement is a reconcile, a balance query, an allowance and a cheque: ~30–100 ms).
		if (running) await sleep(200 + below(1000));
		const creditor = pick(holders);
		let settled = false;
		void settleOnce(fetcher, creditor).finally(() => {
			settled = true;
		});
		await sleep(below(120));
		victim = turn('creditor', CREDITOR_PERCENT) ? creditor : fetcher;
		if (victim === fetcher) totals.killedDebtor++;
		else totals.killedCreditor++;
		if (settled) totals.completedBeforeKill++;
		else totals.midSettle++;
	} else {
		if (running) await sleep(below(1500));
		victim = turn('holder', HOLDER_PERCENT) ? pick(holders) : fetcher;
		if (victim === fetcher) totals.killedFetcher++;
		else totals.killedHolder++;
	}

	step(`${atSettle ? 'settle, ' : ''}kill ${victim}`);
	await crash(victim);
	step('restart');
	let outcome = await Promise.race([attempt, sleep(STALL_CAP_MS).then(() => undefined)]);
	if (!outcome) {
		// Still stalled on the holder's old connection: end it the hard way, as one more kill.
		totals.killedStalledFetcher++;
		await crash(fetcher);
		outcome = await attempt;
	}

	await beside?.stop();
	step(`fetch ${outcome.ok ? 'done' : `cut (${outcome.error?.slice(0, 160)})`}`);
	if (outcome.ok) {
		totals.fetchesCompleted++;
		content.holders.add(fetcher);
		pending.delete(fetcher);
		await rm(out, {force: true});
		if (!atSettle) totals.completedBeforeKill++;
	} else {
		pending.set(fetcher, choice.content);
		if (!atSettle) totals.midFetch++;
	}
}

try {
	log(`seed ${seed}: ${nodeCount} nodes, ${kills} kills, ${bytes / 1e6} MB files`);
	await cluster.start(nodeCount, FLAGS);
	contents.push(await cluster.publish(0, join(directory, 'content-first.bin'), bytes));
	for (let round = 0; totals.kills < kills && !interrupted; round++) {
		stepAt = Date.now();
		const roll = random();
		// 20% publish, 35% fetch, 45% settlement (a publish too when every node holds everything).
		const choice = roll < 0.2 ? undefined : chooseFetch();
		if (choice) await fetchRound(choice, roll >= 0.55);
		else await publishRound(round);
		if (!(await cluster.quiet(120_000))) fail(`round ${round}: a job still runs after 120 s`);
		step('quiet');
		await checkAllLedgers(`round ${round}`);
		step('ledgers checked');
		if (values.verbose) log(`round ${round}: ${roundLog.join(', ')}`);
		roundLog = [];
		if (round % 10 === 9) log(`${totals.kills} kills: ${JSON.stringify(totals)}`);
	}

	// The end: every fetch a kill cut completes, byte-exact; then the ledgers once more.
	let resumed = true;
	for (const [fetcher, index] of pending) {
		const outcome = await cluster.fetch(fetcher, contents[index], outPath(fetcher, index));
		if (!outcome.ok) fail(`final fetch of content ${index} on node ${fetcher}: ${outcome.error}`);
		resumed &&= outcome.ok;
	}

	// A fresh publish, fetched by another node: right after the last restart its DHT may not know
	// the holder yet, so up to three tries (each failure is reported, the retries counted).
	const last = await cluster.publish(0, join(directory, 'content-last.bin'), bytes);
	let fetched = await cluster.fetch(nodeCount - 1, last, join(directory, 'last.out'));
	for (let retry = 0; retry < 2 && !fetched.ok; retry++) {
		log(`final fresh fetch: ${fetched.error}; again in 5 s`);
		totals.finalFetchRetries++;
		await sleep(5000);
		fetched = await cluster.fetch(nodeCount - 1, last, join(directory, 'last.out'));
	}

	if (!fetched.ok) fail(`final fresh fetch: ${fetched.error}`);
	finalCheck = await checkAllLedgers('final');
	finalOk = resumed && fetched.ok && finalCheck.failures.length === 0;
	log(`final fetches byte-exact: ${resumed && fetched.ok} (${pending.size} resumed)`);
} catch (error) {
	fail(`crash loop failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
	for (const [index, node] of cluster.nodes.entries())
		log(`node ${index} output:\n${node.output.slice(-2000)}`);
} finally {
	await cluster.stop();
	await rm(directory, {recursive: true, force: true});
}

const failures = totals.failedChunks + totals.ledgerFailures + (finalOk ? 0 : 1);
const ok = failures === 0 && totals.kills >= kills;
const summary = {
	...totals,
	settledCredits: String(finalCheck?.settled ?? 0n),
	chequeCredits: String(finalCheck?.cheques ?? 0n),
	finalOk,
	failures,
	details,
	seed,
	ok,
};
if (values.verbose) log(`settle errors: ${JSON.stringify([...settleErrors])}`);
const rows = Object.entries(summary)
	.filter(([key]) => key !== 'details')
	.map(([key, value]) => `${key.padEnd(24)}${String(value)}`);
process.stdout.write(`${rows.join('\n')}\n${ok ? 'ok' : 'FAILED'}\n`);
if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
process.exit(ok ? 0 : 1);
