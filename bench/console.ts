/**
 * The console's own cost: renders the real console (renderConsole: maxFps 10, incremental
 * rendering) into a 160×48 fake terminal while a synthetic controller pushes snapshots of 200
 * peers and 1,000 chunks once a second, and reports CPU % of one core and frames written per
 * second. `--json` prints {"cpuPercent":…,"fps":…} as the last line. Target: ≤ 5 % of one core.
 *
 * A baseline window first runs the same snapshot feed with no console, so the console's own share
 * (total minus baseline) reads apart from Node's and the generator's; the load average is printed
 * because on a busy machine every figure here grows (measured here: 4.3–5.5 % on a quieter machine, 6–10 % at a load average of 20–30 on 2 cores).
 *
 * Options: --seconds N (default 10), --baseline-seconds N (default 3), --columns N --rows N
 * (default 160×48), --json.
 */
import {EventEmitter} from 'node:events';
import {availableParallelism, loadavg} from 'node:os';
import {Writable} from 'node:stream';
import {parseArgs} from 'node:util';
import type {NodeController} from '../source/node/controller.js';
import type {ChunkStats, CreditEntry, Job, PeerStats, Snapshot} from '../source/node/snapshot.js';

// Ink prints no live frames when it believes it runs in CI (STACK.md); this bench measures the
// live console, so it must not. React's development build is measured only when asked for
// (NODE_ENV=development), since the console is meant to run with the production build.
process.env['CI'] = 'false';
process.env['CONTINUOUS_INTEGRATION'] = 'false';
process.env['NODE_ENV'] ??= 'production';
const {renderConsole} = await import('../source/ui/render.js');

const {values: flags} = parseArgs({
	options: {
		json: {type: 'boolean', default: false},
		seconds: {type: 'string', default: '10'},
		'baseline-seconds': {type: 'string', default: '3'},
		columns: {type: 'string', default: '160'},
		rows: {type: 'string', default: '48'},
	},
});
const seconds = Number(flags.seconds);
const baselineSeconds = Number(flags['baseline-seconds']);
const columns = Number(flags.columns);
const rows = Number(flags.rows);
const PEERS = 200;
const CHUNKS = 1000;
const SNAPSHOT_INTERVAL_MS = 1000;
/** Let the first frame and React's mount settle before the measured window starts. */
const WARMUP_MS = 1500;

/** A small deterministic generator (mulberry32), so every run draws the same numbers. */
function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const next = random(7);
const hex = (length: number) =>
	Array.from({length}, () => Math.floor(next() * 16).toString(16)).join('');
const peerIds = Array.from({length: PEERS}, () => hex(40));
const chunkIds = Array.from({length: CHUNKS}, () => hex(40));
const states: Array<PeerStats['state']> = [
	'connected',
	'connected',
	'connected',
	'idle',
	'handshaking',
];
const series = {rttMs: [] as Array<number | null>, upBps: [] as number[], downBps: [] as number[]};
const startedAt = Date.now();

function makeSnapshot(tick: number): Snapshot {
	const peers: PeerStats[] = peerIds.map((idHex, i) => ({
		idHex,
		address: `10.${i >> 8}.${i & 255}.${(i * 7) & 255}:${4000 + i}`,
		rank: 6 + (i % 10),
		rttMs: 5 + next() * 120,
		upBps: Math.floor(next() * 2_000_000),
		downBps: Math.floor(next() * 5_000_000),
		state: states[(i + tick) % states.length],
	}));
	const chunks: ChunkStats[] = chunkIds.map((idHex, i) => ({
		idHex,
		queryRate: next() * 500,
		distanceBits: 140 + (i % 20),
		inRange: i % 3 !== 0,
		cached: i % 4 === 0,
		bytes: 1_048_576,
	}));
	const credit: CreditEntry[] = peerIds.map((peerIdHex, i) => ({
		peerIdHex,
		balance: Math.floor((next() - 0.5) * 1e9),
		creditLine: 1e8 * (6 + (i % 10)),
		settlement: i % 17 === 0 ? 'due' : 'none',
		rail: null,
	}));
	const up = peers.reduce((sum, peer) => sum + peer.upBps, 0);
	const down = peers.reduce((sum, peer) => sum + peer.downBps, 0);
	series.rttMs = [...series.rttMs, 20 + next() * 40].slice(-60);
	series.upBps = [...series.upBps, up].slice(-60);
	series.downBps = [...series.downBps, down].slice(-60);
	const jobs: Job[] = [0, 1].map((j) => ({
		id: `job${j}`,
		kind: j === 0 ? 'publish' : 'fetch',
		target: j === 0 ? '/srv/data/archive.tar' : `tornet:${chunkIds[0]}`,
		outputPath: j === 0 ? null : '/tmp/out',
		state: 'running',
		doneBytes: (tick * 7_000_000) % 1e9,
		totalBytes: 1e9,
		rateBps: 7_000_000,
		sources: 4,
		etaSeconds: 100 - (tick % 100),
		link: null,
		error: null,
	}));
	return {
		takenAtMs: Date.now(),
		self: {
			idHex: hex(40),
			address: `${hex(64)}@203.0.113.5:4000`,
			rank: 14,
			uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
			port: 4000,
		},
		peers,
		series: {...series},
		chunks,
		store: {usedBytes: 6e9, budgetBytes: 1e10},
		settings: {rangeBits: 150, minPopularity: 3, uploadBps: 1.25e7, diskBytes: 1e10, minRank: 8},
		credit,
		jobs,
	};
}

let generatorMs = 0;
function timedSnapshot(tick: number): Snapshot {
	const start = performance.now();
	const snapshot = makeSnapshot(tick);
	generatorMs += performance.now() - start;
	return snapshot;
}

let current = timedSnapshot(0);
const listeners = new Set<(snapshot: Snapshot) => void>();
const controller: NodeController = {
	getSnapshot: () => current,
	subscribe(listener) {
		listeners.add(listener);
		return () => listeners.delete(listener);
	},
	setRange: async () => undefined,
	setMinPopularity: async () => undefined,
	publish: async () => ({link: 'tornet:x', bytes: 0}),
	fetch: async () => ({path: '/tmp/x', bytes: 0}),
	settle: async () => ({amount: 0, rail: 'cheque'}),
};

// The fake terminal: counts frames (writes other than synchronized-output brackets) and bytes.
const SYNC_MARKERS = new Set(['\u001B[?2026h', '\u001B[?2026l']);
let frames = 0;
let bytes = 0;
const stdout = Object.assign(
	new Writable({
		write(chunk: Buffer | string, _encoding, callback) {
			const text = chunk.toString();
			if (!SYNC_MARKERS.has(text)) frames++;
			bytes += text.length;
			callback();
		},
	}),
	{columns, rows, isTTY: true},
);
const stdin = Object.assign(new EventEmitter(), {
	isTTY: true,
	setEncoding() {},
	setRawMode() {},
	read: () => null,
	resume() {},
	pause() {},
	ref() {},
	unref() {},
});

let tick = 0;
const publish = () => {
	current = timedSnapshot(++tick);
	for (const listener of listeners) listener(current);
};

/** CPU % of one core over `ms` of wall time, with the snapshot feed running and nothing else. */
async function measureCpu(ms: number): Promise<{cpuPercent: number; wallMs: number}> {
	const cpuBefore = process.cpuUsage();
	const wallBefore = performance.now();
	await new Promise((resolve) => setTimeout(resolve, ms));
	const cpu = process.cpuUsage(cpuBefore);
	const wallMs = performance.now() - wallBefore;
	return {cpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / wallMs, wallMs};
}

// The baseline: the same feed with no console listening (the generator still runs each second).
const feed = setInterval(publish, SNAPSHOT_INTERVAL_MS);
await new Promise((resolve) => setTimeout(resolve, 500));
const baseline = await measureCpu(baselineSeconds * 1000);
clearInterval(feed);

const handle = renderConsole(controller, {
	stdout: stdout as unknown as NodeJS.WriteStream,
	stdin: stdin as unknown as NodeJS.ReadStream,
	stderr: stdout as unknown as NodeJS.WriteStream,
	alternateScreen: false,
});

const timer = setInterval(publish, SNAPSHOT_INTERVAL_MS);

await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
frames = 0;
bytes = 0;
generatorMs = 0;
// With --expose-gc the heap figures are live data after a full collection, so they show a leak.
const collect = (globalThis as {gc?: () => void}).gc;
collect?.();
const heapBefore = process.memoryUsage().heapUsed;
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
const framesInWindow = frames;
const bytesInWindow = bytes;
collect?.();
const heapAfter = process.memoryUsage().heapUsed;
clearInterval(timer);
handle.unmount();
await handle.waitUntilExit();

const cpuMs = (cpu.user + cpu.system) / 1000;
const cpuPercent = (100 * cpuMs) / wallMs;
const generatorPercent = (100 * generatorMs) / wallMs;
const fps = framesInWindow / (wallMs / 1000);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

const table: Array<[string, string]> = [
	['terminal', `${columns}×${rows}`],
	['data', `${PEERS} peers, ${CHUNKS} chunks, 1 snapshot/s`],
	['React build', process.env['NODE_ENV'] === 'production' ? 'production' : 'development'],
	['measured', `${(wallMs / 1000).toFixed(1)} s`],
	['load average (1 min)', `${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`],
	['CPU, whole process', `${cpuPercent.toFixed(2)} % of one core`],
	['  baseline without the console', `${baseline.cpuPercent.toFixed(2)} %`],
	['  the console itself', `${(cpuPercent - baseline.cpuPercent).toFixed(2)} %`],
	['  of which snapshot generator', `${generatorPercent.toFixed(2)} %`],
	['frames written', `${fps.toFixed(2)} /s`],
	['bytes written', `${Math.round(bytesInWindow / (wallMs / 1000))} /s`],
	[
		'heap change',
		`${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB ${collect ? 'after full GC' : '(run with --expose-gc to collect first)'}`,
	],
	['target', '≤ 5 % of one core'],
];
for (const [label, value] of table) console.log(`${label.padEnd(32)} ${value}`);
if (flags.json)
	console.log(
		JSON.stringify({
			cpuPercent: round(cpuPercent),
			fps: round(fps),
			baselineCpuPercent: round(baseline.cpuPercent),
			loadAverage: round(loadavg()[0], 1),
		}),
	);
