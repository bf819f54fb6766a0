import {open} from 'node:fs/promises';
import {request as httpRequest} from 'node:http';
import test from 'ava';
import type {FileDescription} from '../../source/chunks/file-description.js';
import {loadDescription} from '../../source/chunks/description-chunks.js';
import {parseLink} from '../../source/chunks/link.js';
import {CHUNK_BYTES} from '../../source/chunks/slices.js';
import {bodyPath} from '../../source/chunks/store-layout.js';
import {isTornetError, TornetError} from '../../source/errors.js';
import {type GatewayContent, storeContent} from '../../source/gateway/gateway-content.js';
import {startGateway} from '../../source/gateway/gateway-server.js';
import {openTestStore, patternBytes} from '../chunks/store-fixture.js';
import {publishBytes, raw, testGateway} from './gateway-fixture.js';

test('methods other than GET and HEAD are 405 with Allow', async (t) => {
	const {store} = await openTestStore(t);
	const link = await publishBytes(t, store, 'a.txt', Buffer.from('hello'));
	const gateway = await testGateway(t, {content: storeContent(store)});
	for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
		const response = await raw(gateway, `/tornet/${link}`, {method});
		t.is(response.status, 405, method);
		t.is(response.headers.allow, 'GET, HEAD');
	}
});

test('only loopback: listening elsewhere needs allowRemote, foreign Host headers are 403', async (t) => {
	const {store} = await openTestStore(t);
	const content = storeContent(store);
	for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
		const error = await t.throwsAsync(startGateway({content, host}));
		t.true(isTornetError(error, 'BAD_ARGUMENT'), host);
	}

	const gateway = await testGateway(t, {content});
	const rebound = await raw(gateway, '/tornet/x', {headers: {host: 'evil.example:8080'}});
	t.is(rebound.status, 403);
	for (const host of ['localhost', `127.0.0.1:${gateway.port}`, `[::1]:${gateway.port}`]) {
		t.is((await raw(gateway, '/tornet/x', {headers: {host}})).status, 400, host);
	}
});

test('a port in use is BAD_ARGUMENT', async (t) => {
	const {store} = await openTestStore(t);
	const first = await testGateway(t, {content: storeContent(store)});
	const error = await t.throwsAsync(startGateway({content: storeContent(store), port: first.port}));
	t.true(isTornetError(error, 'BAD_ARGUMENT'));
});

test('a corrupt chunk is 502, and the rest of the file still serves', async (t) => {
	const {store} = await openTestStore(t);
	const content = patternBytes(2 * CHUNK_BYTES, 9);
	const link = await publishBytes(t, store, 'two.bin', content);
	const description = await loadDescription(store, parseLink(link));
	const file = await open(bodyPath(store.layout, description.files[0].chunks[0].id), 'r+');
	await file.write(Buffer.from('garbage'), 0, 7, 100);
	await file.close();
	const gateway = await testGateway(t, {content: storeContent(store)});
	const broken = await raw(gateway, `/tornet/${link}`);
	t.is(broken.status, 502);
	t.regex(broken.body.toString(), /^502 Bad Gateway: CORRUPT/);
	const tail = await raw(gateway, `/tornet/${link}`, {headers: {range: `bytes=${CHUNK_BYTES}-`}});
	t.is(tail.status, 206);
	t.true(tail.body.equals(content.subarray(CHUNK_BYTES)));
});

/** Content that stands in for the network: a description that may never come, pieces that stall. */
function slowContent(description: FileDescription | undefined, pieces: number): GatewayContent {
	return {
		async description(_link, signal) {
			if (description) return description;
			return new Promise((_resolve, reject) => {
				signal.addEventListener('abort', () => {
					reject(TornetError.aborted('description'));
				});
			});
		},
		async *read(_entry, start, end, signal) {
			for (let index = 0; index < pieces && start < end; index++) {
				const length = Math.min(1000, end - start);
				yield Buffer.alloc(length, 1);
				start += length;
			}

			await new Promise((resolve) => {
				signal.addEventListener('abort', resolve);
			});
		},
	};
}

const someLink = `tornet:${'11'.repeat(20)}.${'a'.repeat(52)}`;
const fileOf = (size: number): FileDescription => ({
	kind: 'file',
	name: 'slow.bin',
	files: [{path: 'slow.bin', size, chunks: []}],
});

test('a description that does not come in time is 504', async (t) => {
	const gateway = await testGateway(t, {
		content: slowContent(undefined, 0),
		descriptionTimeoutMs: 100,
	});
	const response = await raw(gateway, `/tornet/${someLink}`);
	t.is(response.status, 504);
	t.regex(response.body.toString(), /^504 Gateway Timeout: REQUEST_TIMEOUT/);
});

test('a body that stalls before its first byte is 504; after it, the connection is cut', async (t) => {
	const before = await testGateway(t, {content: slowContent(fileOf(5000), 0), readTimeoutMs: 100});
	t.is((await raw(before, `/tornet/${someLink}`)).status, 504);
	const after = await testGateway(t, {content: slowContent(fileOf(5000), 2), readTimeoutMs: 100});
	const response = await fetch(`${after.url}/tornet/${someLink}`);
	t.is(response.status, 200);
	await t.throwsAsync(response.arrayBuffer(), undefined, 'an incomplete body is an error');
});

test('a bug is 500 "internal error": no stack, reported to onError', async (t) => {
	const reported: unknown[] = [];
	const gateway = await testGateway(t, {
		content: {
			async description() {
				throw new TypeError('secret detail at /home/user/file.ts:10');
			},
			read() {
				throw new Error('unreachable');
			},
		},
		onError(error) {
			reported.push(error);
		},
	});
	const response = await raw(gateway, `/tornet/${someLink}`);
	t.is(response.status, 500);
	t.is(response.body.toString(), '500 Internal Server Error: internal error\n');
	t.is(reported.length, 1);
	t.true(reported[0] instanceof TypeError);
});

test('a client that leaves mid-transfer stops the read; the gateway serves on', async (t) => {
	const {store} = await openTestStore(t);
	const size = 32 * CHUNK_BYTES; // far more than the socket buffers of loopback hold
	const content = patternBytes(size, 11);
	const link = await publishBytes(t, store, 'big.bin', content);
	const base = storeContent(store);
	let yielded = 0;
	let ended!: () => void;
	const readEnded = new Promise<void>((resolve) => {
		ended = resolve;
	});
	const counting: GatewayContent = {
		description: async (link, signal) => base.description(link, signal),
		async *read(entry, start, end, signal) {
			try {
				for await (const piece of base.read(entry, start, end, signal)) {
					yielded += piece.length;
					yield piece;
				}
			} finally {
				ended();
			}
		},
	};
	const reported: unknown[] = [];
	const gateway = await testGateway(t, {
		content: counting,
		cacheDescriptions: false,
		onError(error) {
			reported.push(error);
		},
	});
	await new Promise<void>((resolve) => {
		const request = httpRequest(
			{host: gateway.host, port: gateway.port, path: `/tornet/${link}`},
			(response) => {
				response.once('data', () => {
					request.destroy(); // gone after the first bytes, without reading the rest
					resolve();
				});
			},
		);
		request.on('error', () => undefined);
		request.on('close', resolve);
		request.end();
	});
	await readEnded;
	t.true(yielded < size, `read ${yielded} of ${size} bytes`);
	const again = await fetch(`${gateway.url}/tornet/${link}`, {headers: {range: 'bytes=-100'}});
	t.is(again.status, 206);
	t.true(Buffer.from(await again.arrayBuffer()).equals(content.subarray(size - 100)));
	t.deepEqual(reported, [], 'a client leaving is not a failure');
});
