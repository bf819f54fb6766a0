import {randomBytes} from 'node:crypto';
import {mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {runCli, startNode} from '../helpers/run-cli.js';

async function dataDir(): Promise<string> {
	return mkdtemp(join(tmpdir(), 'tornet-cli-content-'));
}

test('publish on one node, fetch on another: to a file, to stdout, over HTTP, and with a transient node', async (t) => {
	const aData = await dataDir();
	const aAddress = (await startNode(t, aData)).address;

	const content = randomBytes(1_500_000);
	const source = join(await dataDir(), 'report.pdf');
	await writeFile(source, content);
	const published = await runCli(['publish', source, '--data', aData], {timeoutMs: 60_000});
	t.is(published.code, 0, published.stderr);
	const link = published.stdout.trim();
	t.regex(link, /^tornet:[\da-f]{40}\.[a-z2-7]{52}$/);

	const bData = await dataDir();
	const b = await startNode(
		t,
		bData,
		['--bootstrap', aAddress, '--gateway', '0'],
		/HTTP gateway on (\S+)\/tornet/,
	);
	const gateway = /HTTP gateway on (\S+)\/tornet/.exec(b.output())![1];

	const out = join(await dataDir(), 'copy.pdf');
	const fetched = await runCli(['fetch', link, '-o', out, '--data', bData], {timeoutMs: 60_000});
	t.is(fetched.code, 0, fetched.stderr);
	t.is(fetched.stdout.trim(), out);
	t.true((await readFile(out)).equals(content), 'the file is byte-exact');

	const piped = await runCli(['fetch', link, '-o', '-', '--data', bData], {timeoutMs: 60_000});
	t.is(piped.code, 0, piped.stderr);
	t.true(piped.stdoutBytes.equals(content), 'stdout carries exactly the content');

	const response = await fetch(`${gateway}/tornet/${link}`);
	t.is(response.status, 200);
	t.is(response.headers.get('content-type'), 'application/pdf');
	t.true(Buffer.from(await response.arrayBuffer()).equals(content), 'the gateway serves it too');
	const range = await fetch(`${gateway}/tornet/${link}`, {headers: {range: 'bytes=1000-1999'}});
	t.is(range.status, 206);
	t.true(Buffer.from(await range.arrayBuffer()).equals(content.subarray(1000, 2000)));

	// No node running on this data directory: fetch runs one for the download.
	const transientOut = join(await dataDir(), 'transient.pdf');
	const transient = await runCli(
		['fetch', link, '-o', transientOut, '--data', await dataDir(), '--bootstrap', aAddress],
		{timeoutMs: 60_000},
	);
	t.is(transient.code, 0, transient.stderr);
	t.true((await readFile(transientOut)).equals(content));
});

test('fetch refuses a bad link with exit 2, and a link nobody holds fails with one line', async (t) => {
	const bad = await runCli(['fetch', 'tornet:nope', '--data', await dataDir()]);
	t.is(bad.code, 2);
	t.regex(bad.stderr, /not a tornet link/);
	t.notRegex(bad.stderr, /\n\s+at /);

	const missing = await runCli(
		['fetch', `tornet:${'ab'.repeat(20)}.${'a'.repeat(52)}`, '--data', await dataDir()],
		{timeoutMs: 60_000},
	);
	t.is(missing.code, 1, missing.stderr);
	t.is(missing.stderr.trim().split('\n').length, 1, missing.stderr);
});
