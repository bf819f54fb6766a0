import {createHash, randomBytes} from 'node:crypto';
import {readFile, writeFile} from 'node:fs/promises';
import {runCli} from '../helpers/run-cli.js';

export type Published = {link: string; sha256: string; bytes: number; path: string};
export type Fetched = {
	ok: boolean;
	seconds: number;
	bytes: number;
	bytesReceived: number;
	sha256Matches: boolean;
	error?: string;
};

export async function sha256File(path: string): Promise<string> {
	return createHash('sha256')
		.update(await readFile(path))
		.digest('hex');
}

/** Writes `bytes` random bytes (incompressible, unique per run) and publishes them on `dataDir`'s node. */
export async function publishRandom(
	dataDir: string,
	path: string,
	bytes: number,
): Promise<Published> {
	const content = randomBytes(bytes);
	await writeFile(path, content);
	const result = await runCli(['publish', path, '--data', dataDir, '--json'], {timeoutMs: 120_000});
	if (result.code !== 0) throw new Error(`publish failed (${result.code}): ${result.stderr}`);
	const {link} = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {link: string};
	return {link, sha256: createHash('sha256').update(content).digest('hex'), bytes, path};
}

/** `tornet fetch <link> -o out --data dir --json` against the running node; never throws. */
export async function fetchTo(
	dataDir: string,
	published: Published,
	out: string,
	timeoutMs: number,
): Promise<Fetched> {
	const started = performance.now();
	const result = await runCli(['fetch', published.link, '-o', out, '--data', dataDir, '--json'], {
		timeoutMs,
	});
	const seconds = (performance.now() - started) / 1000;
	if (result.code !== 0) {
		const error = result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`;
		return {ok: false, seconds, bytes: 0, bytesReceived: 0, sha256Matches: false, error};
	}

	const parsed = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
		bytes: number;
		bytesReceived: number;
	};
	const sha256Matches = (await sha256File(out).catch(() => '')) === published.sha256;
	return {ok: sha256Matches, seconds, ...parsed, sha256Matches};
}
