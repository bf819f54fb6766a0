import {randomBytes} from 'node:crypto';
import {mkdtemp, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ChunkStore} from '../source/chunks/chunk-store.js';
import {publishFile} from '../source/chunks/publish-local.js';
import {fetchLink} from '../source/chunks/transfer/fetch-link.js';
import type {ChunkSource} from '../source/chunks/transfer/fetch-session.js';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import {Rpc} from '../source/rpc/rpc.js';
import {Endpoint} from '../source/transport/endpoint.js';
import {
	cloneStore,
	hashFile,
	type SourceProcess,
	startSource,
	writeContent,
} from './fetch-setup.js';

/**
 * Publish and multi-source fetch between processes on loopback.
 *
 *   npm run bench:fetch -- [--mb N] [--upload MBps] [--sources 1,2,4] [--cubic] [--dir PATH] [--json]
 *
 * Publishes a generated N MiB file (default 1024) into a store in this process (hash + encrypt +
 * store, pinned and durable), then clones that store for up to 4 source processes (each a real
 * endpoint + store + ChunkServer capped at --upload MiB/s, default 20) and fetches the link into
 * a fresh store and an output file here, from 1, 2 and 4 of them in turn. Each fetch is checked
 * against the original's SHA-256. MB/s are MiB of file content per second, wall clock, from the
 * first chunk.meta to the output file's fsync and rename. Sources serve with LEDBAT (background
 * priority, the node's default); --cubic serves with the owner's controller instead.
 */
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
	const index = argv.indexOf(`--${name}`);
	const value = index === -1 ? Number.NaN : Number(argv[index + 1]);
	return Number.isFinite(value) && value >= 0 ? value : fallback;
};

const MB = 1 << 20;
const megabytes = Math.max(1, Math.floor(flag('mb', 1024)));
const uploadMBps = flag('upload', 20);
const json = argv.includes('--json');
const sourcesIndex = argv.indexOf('--sources');
const counts = (sourcesIndex === -1 ? '1,2,4' : argv[sourcesIndex + 1]).split(',').map(Number);
const dirIndex = argv.indexOf('--dir');
const parent = dirIndex === -1 ? tmpdir() : argv[dirIndex + 1];
const log = (line: string) => process.stderr.write(`${line}\n`);

function freshIdentity() {
	const keyPair = generateKeyPair();
	const nonce = nonceFromCounter(0n);
	return makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
}

type FetchRun = {sources: number; ms: number; mbps: number; shares: number[]; cpuMs: number};

async function fetchFrom(directory: string, link: string, sources: SourceProcess[], hash: string) {
	const dataDir = join(directory, `fetch-${sources.length}`);
	const out = join(directory, `out-${sources.length}.bin`);
	const store = await ChunkStore.open({dataDir});
	const endpoint = new Endpoint({identity: freshIdentity(), host: '127.0.0.1'});
	await endpoint.listen();
	const rpc = new Rpc();
	const holders: ChunkSource[] = sources.map((source) => ({
		peerId: source.id,
		connect: async () =>
			endpoint.connect({publicKey: source.publicKey, host: '127.0.0.1', port: source.port}),
	}));
	const cpu = process.cpuUsage();
	const started = performance.now();
	let shown = started;
	try {
		const result = await fetchLink(store, link, out, {
			rpc,
			findSources: async () => holders,
			onProgress(progress) {
				const now = performance.now();
				if (now - shown < 5000) return;
				shown = now;
				log(
					`  ${sources.length} source(s): ${(progress.bytesDone / MB).toFixed(0)} of ${(progress.bytesTotal / MB).toFixed(0)} MiB, ${(progress.rate / MB).toFixed(1)} MiB/s, ${progress.sources} sending`,
				);
			},
		});
		const ms = performance.now() - started;
		const used = process.cpuUsage(cpu);
		if ((await stat(out)).size !== megabytes * MB || (await hashFile(out)) !== hash)
			throw new Error(`fetch from ${sources.length} source(s) does not match the original`);
		const shares = sources.map(
			(source) => (result.bySource.get(source.id.toString('hex')) ?? 0) / result.bytesReceived,
		);
		return {
			sources: sources.length,
			ms,
			mbps: megabytes / (ms / 1000),
			shares,
			cpuMs: (used.user + used.system) / 1000,
		} satisfies FetchRun;
	} finally {
		await endpoint.close();
		await store.close();
		await rm(dataDir, {recursive: true, force: true});
		await rm(out, {force: true});
	}
}

const directory = await mkdtemp(join(parent, 'tornet-bench-fetch-'));
const processes: SourceProcess[] = [];
try {
	const path = join(directory, 'content.bin');
	const hash = await writeContent(path, megabytes, randomBytes(MB));
	const origin = join(directory, 'origin');
	const store = await ChunkStore.open({dataDir: origin});
	const published = await publishFile(store, path);
	await store.close();
	const publishMBps = megabytes / (published.timings.totalMs / 1000);
	log(`published ${megabytes} MiB at ${publishMBps.toFixed(0)} MiB/s: ${published.link}`);

	const most = Math.max(...counts);
	const cap = uploadMBps * MB;
	for (let index = 0; index < most; index++) {
		const dataDir = join(directory, `source-${index}`);
		await cloneStore(origin, dataDir);
		processes.push(await startSource(dataDir, cap, argv.includes('--cubic') ? 'cubic' : 'ledbat'));
	}

	const runs: FetchRun[] = [];
	for (const count of counts) {
		const run = await fetchFrom(directory, published.link, processes.slice(0, count), hash);
		log(`  ${count} source(s): ${run.mbps.toFixed(1)} MiB/s in ${(run.ms / 1000).toFixed(1)} s`);
		runs.push(run);
	}

	const served = await Promise.all(processes.map(async (source) => source.stop()));
	processes.length = 0;
	const base = runs.find((run) => run.sources === 1);
	const row = (name: string, value: string, note = '') =>
		`${name.padEnd(30)}${value.padStart(12)}  ${note}`;
	const lines = [
		`publish ${megabytes} MiB, then fetch it from source processes capped at ${uploadMBps} MiB/s each`,
		row('publish (hash+encrypt+store)', `${publishMBps.toFixed(0)} MB/s`, 'target ≥ 250'),
		...runs.map((run) =>
			row(
				`fetch from ${run.sources} source(s)`,
				`${run.mbps.toFixed(1)} MB/s`,
				`${(run.ms / 1000).toFixed(1)} s, ${(run.mbps / (run.sources * uploadMBps || 1)).toFixed(2)} of the caps' sum, shares ${run.shares.map((share) => share.toFixed(2)).join('/')}, fetcher CPU ${(run.cpuMs / megabytes).toFixed(1)} ms/MB`,
			),
		),
		...(base
			? runs
					.filter((run) => run !== base)
					.map((run) =>
						row(
							`ratio ${run.sources}/1 sources`,
							`${(run.mbps / base.mbps).toFixed(2)}×`,
							run.sources === 4 ? 'target ≥ 3.5' : '',
						),
					)
			: []),
		row(
			'sent by sources / received',
			`${(served.reduce((sum, result) => sum + result.bytesServed, 0) / (megabytes * MB * runs.length)).toFixed(3)}`,
			'above 1: bytes cut off in flight when a range was taken over',
		),
		row(
			'sources CPU per MB served',
			`${(served.reduce((sum, result) => sum + result.cpuMicros, 0) / 1000 / (megabytes * runs.length)).toFixed(1)} ms`,
		),
	];
	console.log(lines.join('\n'));
	if (json) {
		const fetchMBps = Object.fromEntries(
			runs.map((run) => [String(run.sources), Number(run.mbps.toFixed(1))]),
		);
		console.log(
			JSON.stringify({
				mb: megabytes,
				uploadMBps,
				publishMBps: Math.round(publishMBps),
				fetchMBps,
				ratio4to1:
					base && fetchMBps['4'] ? Number((fetchMBps['4'] / base.mbps).toFixed(2)) : undefined,
				shares: Object.fromEntries(
					runs.map((run) => [
						String(run.sources),
						run.shares.map((share) => Number(share.toFixed(3))),
					]),
				),
			}),
		);
	}
} finally {
	await Promise.allSettled(processes.map(async (source) => source.stop()));
	await rm(directory, {recursive: true, force: true});
}
