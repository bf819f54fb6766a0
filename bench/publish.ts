import {spawn} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {mkdtemp, open, rm, unlink} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import sodium from 'sodium-native';
import {ChunkStore} from '../source/chunks/chunk-store.js';
import {publishFile} from '../source/chunks/publish-local.js';

/**
 * Local publish throughput (hash + encrypt + store, pinned and durable) of a generated file,
 * against baselines measured in the same run: a plain sequential write + fsync of the same bytes,
 * and SHA-256 and ChaCha20 over them in memory.
 *
 *   npm run bench:publish -- [--mb N] [--threads N] [--writes N] [--inline] [--dir PATH] [--json]
 *
 * --inline seals on the main thread instead of the seal thread (publish-local's choice by size).
 *
 * --threads sets libuv's thread pool size (UV_THREADPOOL_SIZE, Node's default is 4), where body
 * writes, their fsyncs, file reads and LevelDB calls all run. It must be set before Node starts
 * its pool (tsx starts it while loading this file), so the bench re-runs itself with it.
 *
 * The source file is written first, so it is read from the page cache (publish reads a file
 * the user has, typically cold; here we measure our pipeline, not the disk's read speed).
 */
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
	const index = argv.indexOf(`--${name}`);
	const value = index === -1 ? Number.NaN : Number(argv[index + 1]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
};

const threads = flag('threads', 0);
if (threads > 0 && process.env['UV_THREADPOOL_SIZE'] !== String(threads)) {
	const script = fileURLToPath(import.meta.url);
	const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
		env: {...process.env, UV_THREADPOOL_SIZE: String(threads)},
		stdio: 'inherit',
	});
	const [code] = (await once(child, 'exit')) as [number | null];
	process.exit(code ?? 1);
}

const megabytes = Math.floor(flag('mb', 1024));
const writes = flag('writes', 0) || undefined; // bodies written at once (publish-local default)
const json = argv.includes('--json');
const inline = argv.includes('--inline');
const dirIndex = argv.indexOf('--dir');
const parent = dirIndex === -1 ? tmpdir() : argv[dirIndex + 1];
const MB = 1 << 20;
const bytes = megabytes * MB;

/** Distinct 1 MiB blocks (no two chunks converge) from one random block and the block index. */
function block(seed: Buffer, index: number, out: Buffer): Buffer {
	seed.copy(out);
	out.writeUInt32BE(index, 0);
	out.writeUInt32BE(Math.imul(index, 2_654_435_761) >>> 0, out.length - 4);
	return out;
}

async function writeFileOf(path: string, seed: Buffer, sync: boolean): Promise<number> {
	const started = performance.now();
	const file = await open(path, 'w');
	const buffer = Buffer.allocUnsafe(MB);
	for (let index = 0; index < megabytes; index++)
		await file.write(block(seed, index, buffer), 0, MB);
	if (sync) await file.sync();
	await file.close();
	return performance.now() - started;
}

function inMemory(seed: Buffer, work: (data: Buffer) => void): number {
	const count = Math.min(megabytes, 256);
	const buffer = Buffer.allocUnsafe(MB);
	const started = performance.now();
	for (let index = 0; index < count; index++) work(block(seed, index, buffer));
	return (count * MB) / MB / ((performance.now() - started) / 1000);
}

const rate = (ms: number) => bytes / MB / (ms / 1000);
const directory = await mkdtemp(join(parent, 'tornet-bench-publish-'));
try {
	const seed = randomBytes(MB);
	const source = join(directory, 'source.bin');
	await writeFileOf(source, seed, false);

	const baselinePath = join(directory, 'baseline.bin');
	const baselineWriteMBps = rate(await writeFileOf(baselinePath, seed, true));
	await unlink(baselinePath);
	const sha256MBps = inMemory(seed, (data) => createHash('sha256').update(data).digest());
	const nonce = Buffer.alloc(12);
	const key = randomBytes(32);
	const out = Buffer.allocUnsafe(MB);
	const chacha20MBps = inMemory(seed, (data) =>
		sodium.crypto_stream_chacha20_ietf_xor(out, data, nonce, key),
	);

	const store = await ChunkStore.open({dataDir: join(directory, 'node')});
	const cpu = process.cpuUsage();
	const result = await publishFile(store, source, {writes, sealThread: inline ? false : undefined});
	const {user, system} = process.cpuUsage(cpu);
	await store.close();
	const {timings} = result;
	const where = inline || megabytes < 64 ? 'main thread' : 'seal thread';
	const publishMBps = rate(timings.totalMs);
	const hashMBps = rate(timings.hashMs);
	const encryptMBps = rate(timings.encryptMs);
	const cpuPerMB = (user + system) / 1000 / megabytes;
	const systemPerMB = system / 1000 / megabytes;
	const row = (name: string, value: number, unit: string, note = '') =>
		`${name.padEnd(34)}${value.toFixed(value < 10 ? 2 : 0).padStart(9)} ${unit.padEnd(6)}${note}`;
	const lines = [
		`publish of ${megabytes} MiB (${result.chunks} chunks) into a fresh store, ${Math.round(timings.totalMs)} ms, thread pool ${process.env['UV_THREADPOOL_SIZE'] ?? 4}`,
		row('publish (hash + encrypt + store)', publishMBps, 'MB/s', 'target ≥ 250'),
		row(
			'  hashing (keys, slices, ids)',
			hashMBps,
			'MB/s',
			`${Math.round(timings.hashMs)} ms in the ${where}`,
		),
		row('  encryption (ChaCha20)', encryptMBps, 'MB/s', `${Math.round(timings.encryptMs)} ms`),
		row(
			'  waiting for writes + fsync',
			timings.writeWaitMs,
			'ms',
			'beyond the overlap with hashing',
		),
		row('  waiting for reads', timings.readWaitMs, 'ms'),
		row(
			'  CPU (all threads) per MB',
			cpuPerMB,
			'ms',
			`${systemPerMB.toFixed(2)} ms of it in the kernel`,
		),
		row('baseline: sequential write + fsync', baselineWriteMBps, 'MB/s', 'same bytes, one file'),
		row('baseline: SHA-256 (node:crypto)', sha256MBps, 'MB/s', 'in memory'),
		row('baseline: ChaCha20 (sodium-native)', chacha20MBps, 'MB/s', 'in memory'),
		row('publish / plain write', publishMBps / baselineWriteMBps, '×'),
		row('publish / SHA-256', publishMBps / sha256MBps, '×'),
	];
	console.log(lines.join('\n'));
	if (json) {
		console.log(
			JSON.stringify({
				mb: megabytes,
				threads: Number(process.env['UV_THREADPOOL_SIZE'] ?? 4),
				writes: writes ?? 'default',
				seal: where,
				publishMBps: Math.round(publishMBps),
				baselineWriteMBps: Math.round(baselineWriteMBps),
				ratio: Number((publishMBps / baselineWriteMBps).toFixed(3)),
				sha256MBps: Math.round(sha256MBps),
				chacha20MBps: Math.round(chacha20MBps),
				hashMBps: Math.round(hashMBps),
				encryptMBps: Math.round(encryptMBps),
				writeWaitMs: Math.round(timings.writeWaitMs),
				readWaitMs: Math.round(timings.readWaitMs),
				cpuMsPerMB: Number(cpuPerMB.toFixed(2)),
				kernelMsPerMB: Number(systemPerMB.toFixed(2)),
			}),
		);
	}
} finally {
	await rm(directory, {recursive: true, force: true});
}
