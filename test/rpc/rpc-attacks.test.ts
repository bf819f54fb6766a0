import {once} from 'node:events';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import {encodeMessage} from '../../source/rpc/messages.js';
import {MAX_SERVING_PER_PEER} from '../../source/rpc/rpc.js';
import type {Connection} from '../../source/transport/connection.js';
import {until} from '../helpers/raw-peer.js';
import {testnet} from '../helpers/testnet.js';

test('a notice handler that rejects does not take the node down', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	let calls = 0;
	b.rpc.onNotice('boom', async () => {
		calls++;
		throw new Error('async failure in a handler');
	});
	b.rpc.onNotice('bang', () => {
		calls++;
		throw new Error('sync failure in a handler');
	});
	const connection = await a.endpoint.connect(parseAddress(b.address));
	for (let i = 0; i < 3; i++) {
		a.rpc.notify(connection, 'boom', Buffer.alloc(0));
		a.rpc.notify(connection, 'bang', Buffer.alloc(0));
	}

	await until(() => b.rpc.stats.badMessages === 6);
	t.is(calls, 6);
	t.deepEqual((await a.ping(b.address)).peer.id, b.identity.id);
});

test('a method name the peer could not decode is refused before sending', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	const connection = await a.endpoint.connect(parseAddress(b.address));
	for (const method of ['x'.repeat(300), 'x'.repeat(33), 'Upper', '', 'sp ace', 'é']) {
		const error = await t.throwsAsync(a.rpc.request(connection, method, Buffer.alloc(0)));
		t.true(isTornetError(error, 'BAD_ARGUMENT'), `${method}: ${String(error)}`);
		t.throws(() => {
			a.rpc.notify(connection, method, Buffer.alloc(0));
		});
	}

	t.is(a.rpc.stats.requestsSent, 0);
});

test('a third node cannot answer a request it was not asked', async (t) => {
	const {nodes} = await testnet(t, 3);
	const [a, b, mallory] = nodes;
	let release: (() => void) | undefined;
	b.rpc.register('slow', async () => {
		await new Promise<void>((resolve) => {
			release = resolve;
		});
		return Buffer.from('from b');
	});
	const toB = await a.endpoint.connect(parseAddress(b.address));
	const answer = a.rpc.request(toB, 'slow', Buffer.alloc(0), {timeoutMs: 5000});
	await until(() => release !== undefined);

	// Mallory has her own authenticated connection to a and guesses request ids.
	const accepted = once(a.endpoint, 'connection') as Promise<[Connection]>;
	const toA = await mallory.endpoint.connect(parseAddress(a.address));
	await accepted;
	for (let id = 0; id < 100; id++) {
		toA.sendDatagram(encodeMessage({type: 'response', id, body: Buffer.from('forged')}));
		toA.sendDatagram(encodeMessage({type: 'error', id, code: 'NOT_FOUND', message: 'forged'}));
	}

	await new Promise((resolve) => setTimeout(resolve, 100));
	release!();
	t.deepEqual(await answer, Buffer.from('from b'));
	t.is(a.rpc.stats.responsesReceived, 1);
});

test('a peer with too many requests in flight is refused, others are still served', async (t) => {
	const {nodes} = await testnet(t, 3);
	const [a, b, c] = nodes;
	const waiting: Array<() => void> = [];
	b.rpc.register('hold', async () => {
		await new Promise<void>((resolve) => {
			waiting.push(resolve);
		});
		return Buffer.alloc(0);
	});
	const connection = await a.endpoint.connect(parseAddress(b.address));
	const requests = Array.from({length: MAX_SERVING_PER_PEER + 10}, async () =>
		a.rpc.request(connection, 'hold', Buffer.alloc(0), {timeoutMs: 5000}),
	);
	const settled = Promise.allSettled(requests);
	await until(() => b.rpc.stats.refused === 10 && waiting.length === MAX_SERVING_PER_PEER);
	t.deepEqual((await c.ping(b.address)).peer.id, b.identity.id, 'another peer is served');
	for (const resolve of waiting) resolve();
	const results = await settled;
	const refused = results.filter(
		(result) => result.status === 'rejected' && isTornetError(result.reason, 'TOO_MANY_REQUESTS'),
	);
	t.is(refused.length, 10);
	t.is(results.filter((result) => result.status === 'fulfilled').length, MAX_SERVING_PER_PEER);
});
