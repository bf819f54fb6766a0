/**
 * `npm run crash:loop [-- --kills 100] [-- --mb 32] [-- --json]`: kill -9 a real node process at
 * random moments during publish (the publishing node) and fetch (the fetching node), restart it
 * each time, and after every kill, while it is stopped, check its store: every chunk the index
 * lists must read back verified. At the end the content must fetch byte-exact. Loopback only.
 */
import {randomInt} from 'node:crypto';
import dgram from 'node:dgram';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {fetchTo, publishRandom, type Published} from './lab-content.js';
import {LabNode, projectRoot} from './lab-node.js';
import {checkStore} from './store-check.js';

const {values} = parseArgs({
	options: {
		kills: {type: 'string', default: '100'},
		mb: {type: 'string', default: '32'},
		json: {type: 'boolean', default: false},
	},
});
const kills = Number(values.kills);
const bytes = Number(values.mb) * 1_000_000;
const log = (line: string) => {
	process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

/** The fetch is paced (the server's upload setting) so that it lasts long enough to be hit. */
const SERVER_FLAGS = ['--upload', '16MB/s', '--disk', '8GB'];
const CLIENT_FLAGS = ['--disk', '8GB'];
const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
	const socket = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	const {port} = socket.address();
	await new Promise<void>((resolve) => {
		socket.close(() => resolve());
	});
	return port;
}

/** Resolves when `node` shows a running job for `target`, or false after `ms`. */
async function jobRunning(node: LabNode, target: string, ms: number): Promise<boolean> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		const snapshot = await node.status().catch(() => undefined);
		if (snapshot?.jobs.some((job) => job.state === 'running' && job.target.includes(target)))
			return true;
		await sleep(20);
	}

	return false;
}

process.chdir(projectRoot);
const directory = await mkdtemp(join(tmpdir(), 'tornet-crash-'));
const server = new LabNode({
	dataDir: join(directory, 'server'),
	host: '127.0.0.1',
	port: await freePort(),
	flags: SERVER_FLAGS,
});
let client: LabNode | undefined;
const totals = {
	kills: 0,
	midPublish: 0,
	midFetch: 0,
	completedBeforeKill: 0,
	storeChecks: 0,
	chunksVerified: 0,
	failedChunks: 0,
	recoveries: 0,
	droppedRecords: 0,
	orphanBodies: 0,
};
let finalOk = false;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (interrupted) return;
		interrupted = true;
		log(`${signal} after ${totals.kills} kills: ${JSON.stringify(totals)}`);
		void Promise.all([server.kill(), client?.kill()])
			.then(async () => rm(directory, {recursive: true, force: true}))
			.then(() => process.exit(130));
	});
}

/** Kill the node, check its store while it is down, start it again. */
async function crash(node: LabNode): Promise<void> {
	await node.kill();
	totals.kills++;
	const check = await checkStore(node.spec.dataDir);
	totals.storeChecks++;
	totals.chunksVerified += check.verified;
	totals.failedChunks += check.failed;
	if (check.recovered) totals.recoveries++;
	totals.droppedRecords += check.dropped;
	totals.orphanBodies += check.orphans;
	if (check.failed > 0) log(`store of ${node.spec.dataDir}: ${check.failed} chunks fail to verify`);
	await node.start();
}

try {
	await server.start();
	client = new LabNode({
		dataDir: join(directory, 'client'),
		host: '127.0.0.1',
		port: await freePort(),
		bootstrap: [server.address],
		flags: CLIENT_FLAGS,
	});
	await client.start();
	let fetching: Published | undefined;
	let content = 0;
	for (let round = 0; round < kills; round++) {
		if (round % 2 === 0) {
			// Publish: kill the server at a random moment of it; a completed publish gets new content.
			const path = join(directory, `publish-${content}.bin`);
			const attempt = publishRandom(server.spec.dataDir, path, bytes).then(
				(published) => published,
				() => undefined,
			);
			if (await jobRunning(server, path, 30_000)) await sleep(randomInt(0, 400));
			await crash(server);
			if ((await attempt) === undefined) totals.midPublish++;
			else {
				totals.completedBeforeKill++;
				content++;
			}
		} else {
			// Fetch: the client is killed mid-download; it resumes on the next round's fetch.
			if (!fetching) {
				fetching = await publishRandom(
					server.spec.dataDir,
					join(directory, `fetch-${content++}.bin`),
					bytes,
				);
			}

			const out = join(directory, 'fetch.out');
			const attempt = fetchTo(client.spec.dataDir, fetching, out, 120_000);
			if (await jobRunning(client, fetching.link.slice(0, 20), 30_000))
				await sleep(randomInt(0, 2000));
			await crash(client);
			if ((await attempt).ok) {
				totals.completedBeforeKill++;
				fetching = undefined;
			} else totals.midFetch++;
		}

		if (round % 10 === 9) log(`${round + 1} kills: ${JSON.stringify(totals)}`);
	}

	// The end: whatever was left half-done completes, byte-exact.
	const last =
		fetching ?? (await publishRandom(server.spec.dataDir, join(directory, 'last.bin'), bytes));
	const fetched = await fetchTo(client.spec.dataDir, last, join(directory, 'last.out'), 300_000);
	const republished = await publishRandom(server.spec.dataDir, join(directory, 'final.bin'), bytes);
	const final = await fetchTo(
		client.spec.dataDir,
		republished,
		join(directory, 'final.out'),
		300_000,
	);
	finalOk = fetched.ok && final.ok;
	log(
		`final fetches byte-exact: ${fetched.ok} (${fetched.bytesReceived} bytes received), ${final.ok}`,
	);
} catch (error) {
	log(
		`crash loop failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
	);
	log(
		`server output:\n${server.output.slice(-2000)}\nclient output:\n${client?.output.slice(-2000)}`,
	);
} finally {
	await server.stop();
	await client?.stop();
	await rm(directory, {recursive: true, force: true});
}

const ok = finalOk && totals.kills === kills && totals.failedChunks === 0;
const rows = Object.entries(totals).map(([key, value]) => `${key.padEnd(22)}${value}`);
process.stdout.write(
	`${rows.join('\n')}\nfinal fetch byte-exact  ${finalOk}\n${ok ? 'ok' : 'FAILED'}\n`,
);
if (values.json)
	process.stdout.write(JSON.stringify({...totals, finalFetchByteExact: finalOk, ok}) + '\n');
process.exit(ok ? 0 : 1);
