import {once} from 'node:events';
import test from 'ava';
import fc from 'fast-check';
import {isTornetError, TornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import {decodeMessage, encodeMessage, type RpcMessage} from '../../source/rpc/messages.js';
import type {Connection} from '../../source/transport/connection.js';
import {testnet} from '../helpers/testnet.js';

test('ping returns the caller as the server saw it, the peer id and rank', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	const result = await a.ping(b.address);
	t.deepEqual(result.peer.id, b.identity.id);
	t.is(result.peer.rank, b.identity.rank);
	t.is(result.observed.host, '127.0.0.1');
	t.is(result.observed.port, a.port);
	t.true(result.rttMs >= 0);
});

test('requests reach registered methods; errors keep their codes', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	b.rpc.register('echo', (body) => Buffer.concat([Buffer.from('echo:'), body]));
	b.rpc.register('fail', () => {
		throw TornetError.notFound('chunk 42');
	});
	b.rpc.register('crash', () => {
		throw new Error('secret internals');
	});
	const connection = await a.endpoint.connect(parseAddress(b.address));
	t.is((await a.rpc.request(connection, 'echo', Buffer.from('hi'))).toString(), 'echo:hi');

	const notFound = await t.throwsAsync(a.rpc.request(connection, 'fail', Buffer.alloc(0)));
	t.true(isTornetError(notFound, 'NOT_FOUND'));
	const unknown = await t.throwsAsync(a.rpc.request(connection, 'nope', Buffer.alloc(0)));
	t.true(isTornetError(unknown, 'UNKNOWN_METHOD'), String(unknown));
	const crash = await t.throwsAsync(a.rpc.request(connection, 'crash', Buffer.alloc(0)));
	t.true(isTornetError(crash, 'INTERNAL'));
	t.notRegex(crash.message, /secret/, 'internal error details stay on the server');
});

test('a request nobody answers times out with REQUEST_TIMEOUT after its retries', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	let calls = 0;
	b.rpc.register('slow', async () => {
		calls++;
		return new Promise<Uint8Array>(() => undefined);
	});
	const connection = await a.endpoint.connect(parseAddress(b.address));
	const error = await t.throwsAsync(
		a.rpc.request(connection, 'slow', Buffer.alloc(0), {timeoutMs: 100, retries: 1}),
	);
	t.true(isTornetError(error, 'REQUEST_TIMEOUT'));
	t.is(calls, 2, 'the retry reached the server');
});

test('garbage inside an authenticated datagram is dropped, the peer keeps answering', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	const accepted = once(b.endpoint, 'connection') as Promise<[Connection]>;
	const connection = await a.endpoint.connect(parseAddress(b.address));
	await accepted;
	for (const junk of [[0], [1, 0x80], [3, 1, 0xff], [9, 9, 9], [1, 1, 1, 0x41]])
		connection.sendDatagram(Buffer.from(junk));
	const result = await a.ping(b.address);
	t.deepEqual(result.peer.id, b.identity.id);
	t.true(b.rpc.stats.badMessages >= 4);
});

const messageArbitrary: fc.Arbitrary<RpcMessage> = fc.oneof(
	fc.record({
		type: fc.constant('request' as const),
		id: fc.integer({min: 0, max: 0x3fff_ffff}),
		method: fc.stringMatching(/^[a-z][\w.-]{0,31}$/),
		body: fc.uint8Array({maxLength: 64}),
	}),
	fc.record({
		type: fc.constant('response' as const),
		id: fc.nat(),
		body: fc.uint8Array({maxLength: 64}),
	}),
	fc.record({
		type: fc.constant('error' as const),
		id: fc.nat(),
		code: fc.stringMatching(/^[A-Z][A-Z\d_]{0,31}$/),
		message: fc.string({maxLength: 100}),
	}),
	fc.record({
		type: fc.constant('notice' as const),
		method: fc.stringMatching(/^[a-z][\w.-]{0,31}$/),
		body: fc.uint8Array({maxLength: 64}),
	}),
);

test('property: messages round-trip through the codec', (t) => {
	fc.assert(
		fc.property(messageArbitrary, (message) => {
			const decoded = decodeMessage(encodeMessage(message));
			if (!decoded) return false;
			const normalise = (m: RpcMessage) =>
				JSON.stringify({...m, body: 'body' in m ? [...m.body] : undefined});
			return normalise(decoded) === normalise(message);
		}),
	);
	t.pass();
});

test('property: the decoder is total on arbitrary bytes', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 200}), (bytes) => {
			decodeMessage(bytes);
			return true;
		}),
		{numRuns: 20_000},
	);
	t.pass();
});
