import test, {type ExecutionContext} from 'ava';
import {CHUNK_BYTES} from '../../source/chunks/slices.js';
import {storeContent} from '../../source/gateway/gateway-content.js';
import {openTestStore, patternBytes} from '../chunks/store-fixture.js';
import {publishBytes, raw, testGateway} from './gateway-fixture.js';

const SIZE = 2 * CHUNK_BYTES + 12_345; // three chunks, the last one short
const CONTENT = patternBytes(SIZE, 5);

async function setup(t: ExecutionContext) {
	const {store} = await openTestStore(t);
	const link = await publishBytes(t, store, 'movie.mp4', CONTENT);
	const gateway = await testGateway(t, {content: storeContent(store)});
	return {store, link, gateway, url: `${gateway.url}/tornet/${link}`};
}

test('a whole file: bytes, type, length, caching and security headers', async (t) => {
	const {url, link} = await setup(t);
	const response = await fetch(url);
	t.is(response.status, 200);
	t.true(Buffer.from(await response.arrayBuffer()).equals(CONTENT));
	const header = (name: string) => response.headers.get(name);
	t.is(header('content-type'), 'video/mp4');
	t.is(header('content-length'), String(SIZE));
	t.is(header('accept-ranges'), 'bytes');
	t.is(header('cache-control'), 'public, max-age=31536000, immutable');
	t.is(header('x-content-type-options'), 'nosniff');
	t.regex(header('content-security-policy') ?? '', /^sandbox;/);
	t.regex(header('etag') ?? '', new RegExp(`^"${link.slice(7, 47)}-[0-9a-f]{16}"$`));
	t.regex(header('content-disposition') ?? '', /filename\*=UTF-8''movie\.mp4/);
});

test('the same file by its name, and the gateway url', async (t) => {
	const {url, gateway} = await setup(t);
	t.regex(gateway.url, /^http:\/\/127\.0\.0\.1:\d+$/);
	t.true(gateway.port > 0);
	const response = await fetch(`${url}/movie.mp4`);
	t.is(response.status, 200);
	t.true(Buffer.from(await response.arrayBuffer()).equals(CONTENT));
});

test('byte ranges: first byte, middle, suffix, open-ended, across chunk boundaries', async (t) => {
	const {url} = await setup(t);
	const cases: Array<[string, number, number]> = [
		['bytes=0-0', 0, 1],
		['bytes=1000-1999', 1000, 2000],
		['bytes=-500', SIZE - 500, SIZE],
		[`bytes=${SIZE - 10}-`, SIZE - 10, SIZE],
		[`bytes=${CHUNK_BYTES - 100}-${CHUNK_BYTES + 99}`, CHUNK_BYTES - 100, CHUNK_BYTES + 100],
		[`bytes=${CHUNK_BYTES - 1}-${2 * CHUNK_BYTES}`, CHUNK_BYTES - 1, 2 * CHUNK_BYTES + 1],
		[`bytes=${CHUNK_BYTES}-${CHUNK_BYTES}`, CHUNK_BYTES, CHUNK_BYTES + 1],
		[`bytes=5-${SIZE * 10}`, 5, SIZE],
	];
	for (const [range, start, end] of cases) {
		const response = await fetch(url, {headers: {range}});
		t.is(response.status, 206, range);
		t.is(response.headers.get('content-range'), `bytes ${start}-${end - 1}/${SIZE}`, range);
		t.is(response.headers.get('content-length'), String(end - start), range);
		const body = Buffer.from(await response.arrayBuffer());
		t.true(body.equals(CONTENT.subarray(start, end)), range);
	}
});

test('unsatisfiable ranges are 416 with the size', async (t) => {
	const {url} = await setup(t);
	for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 5}-${SIZE + 9}`, 'bytes=-0']) {
		const response = await fetch(url, {headers: {range}});
		t.is(response.status, 416, range);
		t.is(response.headers.get('content-range'), `bytes */${SIZE}`);
		await response.arrayBuffer();
	}
});

test('several ranges, malformed ranges and a stale If-Range get the whole file', async (t) => {
	const {url} = await setup(t);
	const etag = (await fetch(url, {method: 'HEAD'})).headers.get('etag')!;
	const cases: Array<Record<string, string>> = [
		{range: 'bytes=0-9,100-199'},
		{range: 'bytes=9-0'},
		{range: 'lines=1-2'},
		{range: 'bytes=0-9', 'if-range': '"something-else"'},
	];
	for (const headers of cases) {
		const response = await fetch(url, {headers});
		t.is(response.status, 200, JSON.stringify(headers));
		t.is(response.headers.get('content-length'), String(SIZE));
		t.true(Buffer.from(await response.arrayBuffer()).equals(CONTENT));
	}

	const matching = await fetch(url, {headers: {range: 'bytes=0-9', 'if-range': etag}});
	t.is(matching.status, 206);
	t.true(Buffer.from(await matching.arrayBuffer()).equals(CONTENT.subarray(0, 10)));
});

test('If-None-Match answers 304 without a body', async (t) => {
	const {url} = await setup(t);
	const etag = (await fetch(url)).headers.get('etag')!;
	for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
		const response = await fetch(url, {headers: {'if-none-match': tag}});
		t.is(response.status, 304, tag);
		t.is(response.headers.get('etag'), etag);
		t.is((await response.arrayBuffer()).byteLength, 0);
	}

	const other = await fetch(url, {headers: {'if-none-match': '"other"'}});
	t.is(other.status, 200);
	await other.arrayBuffer();
});

test('HEAD gives the headers of GET and no body', async (t) => {
	const {gateway, link} = await setup(t);
	const head = await raw(gateway, `/tornet/${link}`, {method: 'HEAD'});
	t.is(head.status, 200);
	t.is(head.headers['content-length'], String(SIZE));
	t.is(head.headers['content-type'], 'video/mp4');
	t.is(head.body.length, 0);
	const partial = await raw(gateway, `/tornet/${link}`, {
		method: 'HEAD',
		headers: {range: 'bytes=10-19'},
	});
	t.is(partial.status, 206);
	t.is(partial.headers['content-range'], `bytes 10-19/${SIZE}`);
	t.is(partial.body.length, 0);
});

test('an empty file', async (t) => {
	const {store} = await openTestStore(t);
	const link = await publishBytes(t, store, 'empty.txt', Buffer.alloc(0));
	const gateway = await testGateway(t, {content: storeContent(store)});
	const response = await fetch(`${gateway.url}/tornet/${link}`, {headers: {range: 'bytes=0-'}});
	t.is(response.status, 200);
	t.is(response.headers.get('content-length'), '0');
	t.is(response.headers.get('content-type'), 'text/plain; charset=utf-8');
	t.is((await response.arrayBuffer()).byteLength, 0);
});
