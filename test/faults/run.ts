/**
 * `npm run test:faults [-- --quick] [-- --json] [-- --seed n]`: real `tornet start --headless`
 * processes in network namespaces (veth pairs on one bridge, 10.77.0.0/24), with faults put on
 * the path between them: a seeded lossy relay, a tbf rate limit, a partition, a SIGKILL. Skips
 * (exit 0) where namespaces cannot be made. Everything it creates is removed on exit, on failure
 * and on SIGINT, and a final check proves it.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {LabNode, projectRoot} from './lab-node.js';
import {BRIDGE_IP, cannotCreateNamespaces, Lab} from './netns.js';
import {startPathRelay} from './path-relay.js';
import {type LabContext, stuckJobs, type ScenarioResult, scenarios} from './scenarios.js';

const HOSTS = 5;
const PORT = 7600;
/** Host 5 reaches the network only through the relay in front of host 1. */
const RELAYED = 5;
const PROFILE = {loss: 0.1, delayMs: 50, jitterMs: 20, duplicate: 0.01};
const NODE_FLAGS = ['--upload', '4MB/s'];

const {values} = parseArgs({
	options: {
		quick: {type: 'boolean', default: false},
		json: {type: 'boolean', default: false},
		seed: {type: 'string'},
	},
});
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
const quiet = values.json;
const log = (line: string) => {
	process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

process.chdir(projectRoot);
const prefix = `tnf${process.pid % 10_000}`;
const skip = await cannotCreateNamespaces(prefix);
if (skip) {
	if (values.json) process.stdout.write(JSON.stringify({skipped: skip}) + '\n');
	else process.stdout.write(`test:faults skipped: ${skip}\n`);
	process.exit(0);
}

const lab = new Lab(prefix);
const nodes: LabNode[] = [];
let relay: Awaited<ReturnType<typeof startPathRelay>> | undefined;
let directory: string | undefined;
let tornDown: Promise<{clean: boolean; leftovers: string[]}> | undefined;

async function teardown(): Promise<{clean: boolean; leftovers: string[]}> {
	tornDown ??= (async () => {
		const started = nodes.filter(Boolean);
		const pids = started.map((node) => node.pid).filter((pid): pid is number => pid !== undefined);
		await Promise.all(started.map(async (node) => node.kill()));
		await relay?.close();
		await lab.destroy();
		if (directory) await rm(directory, {recursive: true, force: true});
		const alive = pids.filter((pid) => {
			try {
				process.kill(pid, 0);
				return true;
			} catch {
				return false;
			}
		});
		// A veth pair goes away a moment after its namespace: give the kernel a second.
		for (let tries = 0; tries < 20 && (await lab.links()).length > 0; tries++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}

		const leftovers = [
			...(await lab.namespaces()).map((name) => `namespace ${name}`),
			...(await lab.links()).map((name) => `link ${name}`),
			...alive.map((pid) => `process ${pid}`),
		];
		return {clean: leftovers.length === 0, leftovers};
	})();
	return tornDown;
}

// `on`, not `once`: Ctrl-C reaches us twice (from the terminal and relayed by tsx), and a second
// signal without a handler would kill the process halfway through the teardown.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (tornDown) return;
		log(`${signal}: tearing down`);
		void teardown().then(({leftovers}) => {
			if (leftovers.length > 0) log(`left behind: ${leftovers.join(', ')}`);
			process.exit(130);
		});
	});
}

const results: ScenarioResult[] = [];
let setupError: string | undefined;
try {
	directory = await mkdtemp(join(tmpdir(), 'tornet-faults-'));
	log(`lab ${prefix}: ${HOSTS} namespaces on ${BRIDGE_IP}/24, seed ${seed}`);
	await lab.create(HOSTS);
	const relayedIp = lab.host(RELAYED).ip;
	for (let index = 1; index < RELAYED; index++) {
		await lab.blackhole(RELAYED, lab.host(index).ip);
		await lab.blackhole(index, relayedIp);
	}

	const spec = (index: number, bootstrap: string[]) =>
		new LabNode({
			namespace: lab.host(index).namespace,
			dataDir: join(directory!, `node${index}`),
			host: lab.host(index).ip,
			port: PORT,
			bootstrap,
			flags: NODE_FLAGS,
		});
	nodes[0] = undefined as unknown as LabNode; // Hosts are numbered from 1.
	nodes[1] = spec(1, []);
	await nodes[1].start();
	for (let index = 2; index < RELAYED; index++) nodes[index] = spec(index, [nodes[1].address]);
	await Promise.all(nodes.slice(2).map(async (node) => node.start()));

	relay = await startPathRelay({
		host: BRIDGE_IP,
		target: {host: lab.host(1).ip, port: PORT},
		profile: PROFILE,
		seed,
	});
	const publicKey = nodes[1].address.split('@')[0];
	nodes[RELAYED] = spec(RELAYED, [`${publicKey}@${BRIDGE_IP}:${relay.port}`]);
	await nodes[RELAYED].start();
	log(`nodes up; host ${RELAYED} joins through the relay at ${BRIDGE_IP}:${relay.port}`);

	const context: LabContext = {
		lab,
		nodes,
		relayed: RELAYED,
		relayCounts: relay.counts,
		directory,
		quick: values.quick,
		log,
	};
	for (const scenario of scenarios) {
		log(`scenario: ${scenario.name}`);
		const started = performance.now();
		let result: ScenarioResult;
		try {
			const outcome = await scenario.run(context);
			result = {
				name: scenario.name,
				ok: Object.values(outcome.checks).every(Boolean),
				seconds: 0,
				...outcome,
			};
		} catch (error) {
			result = {
				name: scenario.name,
				ok: false,
				seconds: 0,
				checks: {},
				figures: {},
				error: String(error),
			};
		}

		result.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
		log(
			`${result.ok ? 'ok' : 'FAILED'}: ${JSON.stringify({checks: result.checks, figures: result.figures, error: result.error})}`,
		);
		results.push(result);
	}

	// A job that is still winding down (an announcement, fee notices) is not stuck: wait up to
	// 30 s for the running ones to end, then report what is left.
	let stuck = await stuckJobs(nodes);
	for (let waited = 0; stuck.length > 0 && waited < 30; waited++) {
		await new Promise((resolve) => setTimeout(resolve, 1000));
		stuck = await stuckJobs(nodes);
	}

	for (const line of stuck) log(`stuck: ${line}`);
	results.push({
		name: 'no stuck jobs',
		ok: stuck.length === 0,
		seconds: 0,
		checks: {noneRunning: stuck.length === 0},
		figures: stuck.length > 0 ? {stuck: stuck.length} : {},
	});
} catch (error) {
	setupError = error instanceof Error ? (error.stack ?? error.message) : String(error);
	log(`lab failed: ${setupError}`);
	for (const node of nodes.slice(1))
		if (node) log(`--- ${node.spec.dataDir}\n${node.output.slice(-2000)}`);
}

const {clean, leftovers} = await teardown();
results.push({
	name: 'teardown leaves nothing',
	ok: clean,
	seconds: 0,
	checks: {clean},
	figures: leftovers.length > 0 ? {leftovers: leftovers.join(', ')} : {},
});
const ok = setupError === undefined && results.every((result) => result.ok);

if (!quiet || values.json) {
	const rows = results.map((result) => [
		result.ok ? 'ok' : 'FAIL',
		result.name,
		`${result.seconds} s`,
		Object.entries(result.figures)
			.map(([key, value]) => `${key}=${value}`)
			.join(' '),
	]);
	const widths = [4, 26, 8];
	for (const row of rows)
		process.stdout.write(
			row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join('  ') + '\n',
		);
}

if (values.json)
	process.stdout.write(
		JSON.stringify({
			seed,
			quick: values.quick,
			scenarios: results,
			ok,
			...(setupError ? {error: setupError} : {}),
		}) + '\n',
	);
process.exit(ok ? 0 : 1);
