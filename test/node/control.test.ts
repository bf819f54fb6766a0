import {mkdtemp} from 'node:fs/promises';
import net from 'node:net';
import {stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import {isTornetError, TornetError} from '../../source/errors.js';
import {callNode} from '../../source/node/control-client.js';
import {MAX_LINE_BYTES, parseRequest} from '../../source/node/control-protocol.js';
import {ControlServer} from '../../source/node/control-server.js';

async function server(t: {teardown(fn: () => Promise<void>): void}) {
	const dataDir = await mkdtemp(join(tmpdir(), 'tornet-control-'));
	const control = new ControlServer(dataDir);
	t.teardown(async () => control.close());
	return {control, dataDir};
}

test('requests reach handlers, progress streams before the result, errors keep their codes', async (t) => {
	const {control, dataDir} = await server(t);
	control.handle('count', async (params, progress) => {
		for (let i = 1; i <= 3; i++) progress({step: i});
		return {to: params['to']};
	});
	control.handle('fail', async () => {
		throw TornetError.notFound('that');
	});
	await control.listen();
	t.is((await stat(control.path)).mode & 0o777, 0o600, 'the socket is owner-only');
	const steps: unknown[] = [];
	t.deepEqual(await callNode(dataDir, 'count', {to: 3}, (p) => steps.push(p)), {to: 3});
	t.deepEqual(steps, [{step: 1}, {step: 2}, {step: 3}]);
	t.true(isTornetError(await t.throwsAsync(callNode(dataDir, 'fail')), 'NOT_FOUND'));
	t.true(isTornetError(await t.throwsAsync(callNode(dataDir, 'nope')), 'UNKNOWN_METHOD'));
});

test('a line over the bound closes that client; the server keeps serving', async (t) => {
	const {control, dataDir} = await server(t);
	control.handle('ping', async () => 'pong');
	await control.listen();
	const socket = net.connect(control.path);
	const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
	socket.on('error', () => undefined);
	socket.resume(); // A paused socket never sees its end.
	socket.write('x'.repeat(MAX_LINE_BYTES + 10));
	await closed;
	t.is(await callNode(dataDir, 'ping'), 'pong');
});

test('no node running is NOT_RUNNING; a live socket refuses a second server', async (t) => {
	const {control, dataDir} = await server(t);
	t.true(isTornetError(await t.throwsAsync(callNode(dataDir, 'status')), 'NOT_RUNNING'));
	await control.listen();
	const second = new ControlServer(dataDir);
	t.true(isTornetError(await t.throwsAsync(second.listen()), 'BAD_ARGUMENT'));
});

test('property: parseRequest is total', (t) => {
	fc.assert(
		fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
			const result = parseRequest(line);
			return result instanceof TornetError || typeof result.method === 'string';
		}),
		{numRuns: 5000},
	);
	t.pass();
});

test('raw data frames reach the client in order, with backpressure, before the result', async (t) => {
	const {control, dataDir} = await server(t);
	const content = Buffer.alloc(3 * 1024 * 1024 + 17);
	for (let i = 0; i < content.length; i++) content[i] = (i * 31) & 0xff;
	control.handle('cat', async (_params, _progress, data) => {
		for (let at = 0; at < content.length; at += 700_000)
			await data(content.subarray(at, at + 700_000));
		return {bytes: content.length};
	});
	await control.listen();
	const received: Buffer[] = [];
	const result = await callNode<{bytes: number}>(dataDir, 'cat', {}, undefined, async (bytes) => {
		received.push(bytes);
		// A slow consumer: the node must wait for it rather than buffer without bound.
		await new Promise((resolve) => setTimeout(resolve, 2));
	});
	t.is(result.bytes, content.length);
	t.true(Buffer.concat(received).equals(content));
});
