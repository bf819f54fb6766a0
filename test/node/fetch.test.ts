import {randomBytes} from 'node:crypto';
import {mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {testnet} from '../helpers/testnet.js';

const MIB = 1024 * 1024;
/**
 * CI fetches a 6 MB file (seven chunks, enough for several holders per fetch); `npm run
 * test:content` runs the 50 MB scenario with TORNET_FETCH_TEST_MB=50.
 */
const FILE_MB = Number(process.env['TORNET_FETCH_TEST_MB'] ?? 6);

async function scratch(): Promise<string> {
	return mkdtemp(join(tmpdir(), 'tornet-fetch-'));
}

test(`a ${FILE_MB} MB file published on A is fetched byte-exact by B, C and D; E then draws on several holders at once`, async (t) => {
	const {nodes} = await testnet(t, 10, {bootstrap: 'random'});
	const [a, b, c, d, e] = nodes;
	const directory = await scratch();
	t.timeout(FILE_MB * 20_000);
	const content = randomBytes(FILE_MB * MIB + 12_345);
	const path = join(directory, 'film.bin');
	await writeFile(path, content);
	const {link} = await a.publish(path);

	for (const node of [b, c, d]) {
		const out = join(await scratch(), 'copy.bin');
		const fetched = await node.fetch(link, out);
		t.is(fetched.bytes, content.length);
		t.true((await readFile(out)).equals(content), 'byte-exact');
		t.true(Object.keys(fetched.sources).length >= 1);
	}

	// B, C and D announced their copies: E finds several holders and spreads the chunks over them.
	await new Promise((resolve) => setTimeout(resolve, 1500));
	const out = join(await scratch(), 'copy.bin');
	const fetched = await e.fetch(link, out);
	t.true((await readFile(out)).equals(content));
	const holders = Object.keys(fetched.sources);
	t.true(holders.length >= 2, `bytes came from ${holders.length} holders`);
	t.deepEqual(fetched.penalised, []);
	const job = e.snapshot().jobs.find((candidate) => candidate.kind === 'fetch');
	t.like(job, {state: 'done', target: link, doneBytes: content.length});
});

test('a link nobody holds is NOT_FOUND, and nothing is left under the output path', async (t) => {
	const {nodes} = await testnet(t, 4, {bootstrap: 'first'});
	const directory = await scratch();
	const path = join(directory, 'lonely.txt');
	await writeFile(path, 'nobody will serve this');
	const {link} = await nodes[0].publish(path);
	await nodes[0].close();
	const out = join(await scratch(), 'never.txt');
	const error = await t.throwsAsync(nodes[2].fetch(link, out));
	t.regex(error.message, /NOT_FOUND|LOOKUP_FAILED|REQUEST_TIMEOUT/);
	await t.throwsAsync(readFile(out), {code: 'ENOENT'});
});
