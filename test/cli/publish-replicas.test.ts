import {randomBytes} from 'node:crypto';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {runCli, startNode} from '../helpers/run-cli.js';

async function dataDir(): Promise<string> {
	return mkdtemp(join(tmpdir(), 'tornet-cli-replicas-'));
}

test('publish --replicas offers the chunks to the nearest node, which stores them when we outrank it', async (t) => {
	t.timeout(120_000);
	const serverData = await dataDir();
	const serverAddress = (await startNode(t, serverData)).address;
	const before = JSON.parse((await runCli(['status', '--json', '--data', serverData])).stdout) as {
		store: {usedBytes: number};
	};

	// New identities start at rank 8, like the server's: one more bit to outrank it.
	const publisherData = await dataDir();
	const ranked = await runCli(['rank', '--target', '9', '--data', publisherData], {
		timeoutMs: 60_000,
	});
	t.is(ranked.code, 0, ranked.stderr);

	const source = join(await dataDir(), 'notes.bin');
	await writeFile(source, randomBytes(200_000));
	const args = ['publish', source, '--data', publisherData, '--bootstrap', serverAddress];
	const published = await runCli([...args, '--replicas', '1', '--json'], {timeoutMs: 60_000});
	t.is(published.code, 0, published.stderr);
	const result = JSON.parse(published.stdout) as {
		chunks: number;
		replicas: {offers: number; accepted: number; refusedRank: number; charged: string};
	};
	t.true(result.replicas.accepted >= 2, 'the content chunk and the description root');
	t.is(result.replicas.offers, result.replicas.accepted);
	t.is(result.replicas.charged, '0', 'an empty disk costs nothing to fill');
	// The snapshot is taken once a second: read it until it shows the stored chunks (or 10 s).
	let usedBytes = before.store.usedBytes;
	for (let i = 0; i < 20 && usedBytes < before.store.usedBytes + 200_000; i++) {
		await new Promise((resolve) => setTimeout(resolve, 500));
		const status = await runCli(['status', '--json', '--data', serverData]);
		usedBytes = (JSON.parse(status.stdout) as {store: {usedBytes: number}}).store.usedBytes;
	}

	t.true(usedBytes >= before.store.usedBytes + 200_000, 'the server holds the chunks');

	// The same again for people: the result lines on stderr.
	const again = await runCli([...args, '--replicas', '1'], {timeoutMs: 60_000});
	t.is(again.code, 0, again.stderr);
	t.regex(again.stderr, /offers, \d+ accepted \(\d+ held already\), 0 credits charged/);

	// Usage errors are caught before any work.
	const bad = await runCli([...args, '--max-price', '5']);
	t.not(bad.code, 0);
	t.regex(bad.stderr, /--max-price goes with --replicas/);
});
