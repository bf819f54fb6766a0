import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import test from 'ava';
import {CHUNK_BYTES} from '../../source/chunks/slices.js';
import {storeContent} from '../../source/gateway/gateway-content.js';
import {openTestStore, patternBytes} from '../chunks/store-fixture.js';
import {publishBytes, publishTree, testGateway} from './gateway-fixture.js';

/** curl is what people point at a gateway first, and it speaks HTTP independently of Node. */
const run = promisify(execFile);
const curl = async (...args: string[]) =>
	run('curl', ['--silent', '--show-error', ...args], {encoding: 'buffer', maxBuffer: 64 << 20});
const hasCurl = await run('curl', ['--version']).then(
	() => true,
	() => false,
);

const register = hasCurl ? test : test.skip;
if (!hasCurl) console.log('curl is not installed: its tests are skipped');

register('curl: whole file, a range, headers, a directory', async (t) => {
	const {store} = await openTestStore(t);
	const size = CHUNK_BYTES + 777;
	const content = patternBytes(size, 21);
	const link = await publishBytes(t, store, 'data.bin', content);
	const site = await publishTree(t, store, 'site', {'a b.txt': 'spaced', 'index.html': '<p>hi'});
	const gateway = await testGateway(t, {content: storeContent(store)});
	const url = `${gateway.url}/tornet/${link}`;

	t.true((await curl(url)).stdout.equals(content));
	const range = await curl('--range', `${CHUNK_BYTES - 5}-${CHUNK_BYTES + 4}`, url);
	t.true(range.stdout.equals(content.subarray(CHUNK_BYTES - 5, CHUNK_BYTES + 5)));
	const head = (await curl('--head', url)).stdout.toString();
	t.regex(head, /^HTTP\/1\.1 200 OK\r\n/);
	t.regex(head, new RegExp(`content-length: ${size}\\r\\n`, 'i'));
	t.regex(head, /accept-ranges: bytes\r\n/i);
	const status = await curl(
		'--output',
		'/dev/null',
		'--write-out',
		'%{http_code}',
		'-X',
		'POST',
		url,
	);
	t.is(status.stdout.toString(), '405');
	const page = await curl('--location', `${gateway.url}/tornet/${site}`);
	t.is(page.stdout.toString(), '<p>hi');
	t.is((await curl(`${gateway.url}/tornet/${site}/a%20b.txt`)).stdout.toString(), 'spaced');
	const escape = await curl(
		'--path-as-is',
		'--output',
		'/dev/null',
		'--write-out',
		'%{http_code}',
		`${gateway.url}/tornet/${site}/../../etc/passwd`,
	);
	t.is(escape.stdout.toString(), '400');
});
