import {spawn, type ChildProcess} from 'node:child_process';
import {createHash, type Hash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {cp, link, mkdir, open, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {createInterface, type Interface} from 'node:readline';
import {fileURLToPath} from 'node:url';

/** Helpers of bench/fetch.ts: the generated file, store clones, and the source processes. */
const MB = 1 << 20;

/** Writes `megabytes` distinct 1 MiB blocks (no two chunks converge); returns their SHA-256. */
export async function writeContent(path: string, megabytes: number, seed: Buffer): Promise<string> {
	const hash = createHash('sha256');
	const file = await open(path, 'w');
	const block = Buffer.allocUnsafe(MB);
	for (let index = 0; index < megabytes; index++) {
		seed.copy(block);
		block.writeUInt32BE(index, 0);
		block.writeUInt32BE(Math.imul(index, 2_654_435_761) >>> 0, MB - 4);
		hash.update(block);
		await file.write(block, 0, MB);
	}

	await file.close();
	return hash.digest('hex');
}

export async function hashFile(path: string): Promise<string> {
	const hash: Hash = createHash('sha256');
	for await (const piece of createReadStream(path, {highWaterMark: MB}))
		hash.update(piece as Buffer);
	return hash.digest('hex');
}

/**
 * A copy of a closed store for another process: bodies hard-linked (they are immutable once
 * stored, and a source only reads them), the LevelDB index copied (LevelDB appends to its files).
 */
export async function cloneStore(from: string, to: string): Promise<void> {
	const chunks = join(from, 'chunks');
	for (const fan of await readdir(chunks)) {
		if (fan === 'tmp' || fan === 'partial') continue;
		await mkdir(join(to, 'chunks', fan), {recursive: true});
		for (const name of await readdir(join(chunks, fan)))
			await link(join(chunks, fan, name), join(to, 'chunks', fan, name));
	}

	await cp(join(from, 'index'), join(to, 'index'), {recursive: true});
}

export type SourceProcess = {
	child: ChildProcess;
	lines: Interface;
	port: number;
	publicKey: Buffer;
	id: Buffer;
	stop(): Promise<{bytesServed: number; cpuMicros: number}>;
};

async function nextLine(lines: Interface): Promise<Record<string, unknown>> {
	const [line] = (await new Promise((resolve, reject) => {
		lines.once('line', (text) => {
			resolve([text]);
		});
		lines.once('close', () => {
			reject(new Error('source process ended'));
		});
	})) as [string];
	return JSON.parse(line) as Record<string, unknown>;
}

/** Starts bench/fetch-source.ts on a store directory, capped at `cap` bytes/s. */
export async function startSource(
	dataDir: string,
	cap: number,
	congestion = 'ledbat',
): Promise<SourceProcess> {
	const script = fileURLToPath(new URL('fetch-source.ts', import.meta.url));
	const child = spawn(
		process.execPath,
		[...process.execArgv, script, dataDir, String(cap), congestion],
		{
			stdio: ['pipe', 'pipe', 'inherit'],
		},
	);
	const lines = createInterface({input: child.stdout!});
	const ready = await nextLine(lines);
	return {
		child,
		lines,
		port: ready['port'] as number,
		publicKey: Buffer.from(ready['publicKey'] as string, 'hex'),
		id: Buffer.from(ready['id'] as string, 'hex'),
		async stop() {
			child.stdin!.write('{"stop":true}\n');
			const result = await nextLine(lines);
			return result as {bytesServed: number; cpuMicros: number};
		},
	};
}
