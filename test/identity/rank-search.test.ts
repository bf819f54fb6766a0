import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import test from 'ava';
import {rankCommand} from '../../source/cli/rank.js';
import {isTornetError} from '../../source/errors.js';
import {readKeyFile} from '../../source/identity/key-file.js';
import {generateKeyPair} from '../../source/identity/keys.js';
import {BATCH_SIZE, searchRank, type RankProgress} from '../../source/identity/rank-search.js';
import {rankOf} from '../../source/identity/rank.js';

const THREADS = 2; // The machine has two cores.

function collect() {
	const stream = new PassThrough();
	let text = '';
	stream.setEncoding('utf8');
	stream.on('data', (chunk: string) => {
		text += chunk;
	});
	return {stream, text: () => text};
}

test('a search reaches its target with a nonce whose rank checks out', async (t) => {
	const {publicKey} = generateKeyPair();
	const result = await searchRank({publicKey, target: 14, threads: THREADS});
	t.true(result.reachedTarget);
	t.is(rankOf(publicKey, result.nonce), result.rank);
	t.true(result.rank >= 14);
	t.is(result.searched % BigInt(BATCH_SIZE), 0n);
});

test('an aborted search resolves with a cursor, and resuming from it still succeeds', async (t) => {
	const {publicKey} = generateKeyPair();
	const batchSize = 2 ** 12;
	const seen: RankProgress[] = [];
	const controller = new AbortController();
	const stopped = await searchRank({
		publicKey,
		target: 48, // Out of reach: only the abort ends this search.
		threads: THREADS,
		batchSize,
		signal: controller.signal,
		progressIntervalMs: 50,
		onProgress(progress) {
			seen.push(progress);
			if (progress.searched >= BigInt(8 * batchSize)) controller.abort();
		},
	});
	t.false(stopped.reachedTarget);
	t.true(stopped.searched >= BigInt(8 * batchSize));
	t.true(stopped.hashes >= Number(stopped.searched));
	t.is(rankOf(publicKey, stopped.nonce), stopped.rank);
	for (const [index, progress] of seen.entries()) {
		t.is(progress.searched % BigInt(batchSize), 0n);
		if (index > 0) t.true(progress.searched >= seen[index - 1].searched);
	}

	const resumed = await searchRank({
		publicKey,
		target: 12,
		start: stopped.searched,
		threads: THREADS,
	});
	t.true(resumed.reachedTarget);
	t.true(rankOf(publicKey, resumed.nonce) >= 12);
	t.true(resumed.nonce.readBigUInt64BE() >= stopped.searched, 'resumed past the cursor');
	t.true(resumed.searched >= stopped.searched);
});

test('a search whose signal is already aborted returns at once with its start', async (t) => {
	const {publicKey} = generateKeyPair();
	const result = await searchRank({
		publicKey,
		target: 30,
		start: 5n * BigInt(BATCH_SIZE),
		signal: AbortSignal.abort(),
	});
	t.is(result.searched, 5n * BigInt(BATCH_SIZE));
	t.is(result.hashes, 0);
});

test('targets outside 1..64 are refused', async (t) => {
	const {publicKey} = generateKeyPair();
	for (const target of [0, 65, 2.5]) {
		const error = await t.throwsAsync(searchRank({publicKey, target}));
		t.true(isTornetError(error, 'BAD_ARGUMENT'));
	}
});

test('tornet rank saves a nonce of the target rank and then has nothing to do', async (t) => {
	const dataDir = await mkdtemp(join(tmpdir(), 'tornet-rank-'));
	const stdout = collect();
	const stderr = collect();
	const code = await rankCommand({
		dataDir,
		target: 12,
		threads: THREADS,
		json: true,
		stdout: stdout.stream,
		stderr: stderr.stream,
	});
	t.is(code, 0, stderr.text());
	const printed = JSON.parse(stdout.text()) as {
		rank: number;
		nonce: string;
		reachedTarget: boolean;
	};
	t.true(printed.reachedTarget);
	const saved = await readKeyFile(dataDir);
	t.truthy(saved);
	t.true(saved!.identity.rank >= 12);
	t.is(saved!.identity.nonce.toString('hex'), printed.nonce);
	t.is(rankOf(saved!.identity.publicKey, saved!.identity.nonce), saved!.identity.rank);

	const again = collect();
	const second = await rankCommand({
		dataDir,
		target: 12,
		json: false,
		stdout: again.stream,
		stderr: collect().stream,
	});
	t.is(second, 0);
	t.regex(again.text(), /already/);
});

test('tornet rank refuses a bad target with exit code 2', async (t) => {
	const dataDir = await mkdtemp(join(tmpdir(), 'tornet-rank-'));
	for (const target of [0, 65, 1.5, Number.NaN]) {
		const stderr = collect();
		const code = await rankCommand({
			dataDir,
			target,
			json: false,
			stdout: collect().stream,
			stderr: stderr.stream,
		});
		t.is(code, 2);
		t.regex(stderr.text(), /--target must be an integer from 1 to 64/);
	}

	t.is(await readKeyFile(dataDir), undefined, 'no identity created for a usage error');
});

test('a stopped tornet rank saves, exits 130 and says how to resume', async (t) => {
	const dataDir = await mkdtemp(join(tmpdir(), 'tornet-rank-'));
	const stderr = collect();
	const code = await rankCommand({
		dataDir,
		target: 40,
		json: false,
		stdout: collect().stream,
		stderr: stderr.stream,
		signal: AbortSignal.abort(),
		handleSignals: false,
	});
	t.is(code, 130);
	t.regex(stderr.text(), /stopped; run the same command to resume/);
	t.truthy(await readKeyFile(dataDir));
});
