import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {runCli, startNode} from '../helpers/run-cli.js';

async function dataDir() {
	return mkdtemp(join(tmpdir(), 'tornet-cli-'));
}

test('id --json prints the same identity every time, with an address', async (t) => {
	const data = await dataDir();
	const first = await runCli([
		'id',
		'--data',
		data,
		'--json',
		'--port',
		'7001',
		'--announce',
		'198.51.100.9',
	]);
	t.is(first.code, 0, first.stderr);
	const id = JSON.parse(first.stdout) as {
		id: string;
		publicKey: string;
		rank: number;
		address: string;
	};
	t.regex(id.id, /^[\da-f]{40}$/);
	t.is(id.address, `${id.publicKey}@198.51.100.9:7001`);
	const second = await runCli([
		'id',
		'--data',
		data,
		'--json',
		'--port',
		'7001',
		'--announce',
		'198.51.100.9',
	]);
	t.deepEqual(JSON.parse(second.stdout), id);
});

test('ping between two processes reports the peer id, rank and RTT', async (t) => {
	const serverData = await dataDir();
	const server = await startNode(t, serverData);
	const {address} = server;
	const serverId = await runCli(['id', '--data', serverData, '--json']);
	const ping = await runCli(['ping', address, '--data', await dataDir(), '--json', '--count', '2']);
	t.is(ping.code, 0, ping.stderr);
	const result = JSON.parse(ping.stdout) as {
		peerId: string;
		rank: number;
		received: number;
		rttMs: {median: number};
	};
	t.is(result.peerId, (JSON.parse(serverId.stdout) as {id: string}).id);
	t.is(result.received, 2);
	t.true(result.rttMs.median > 0);

	const status = await runCli(['status', '--data', serverData, '--json']);
	t.is(status.code, 0, status.stderr);
	const snapshot = JSON.parse(status.stdout) as {self: {idHex: string}; peers: unknown[]};
	t.is(snapshot.self.idHex, result.peerId);
	// The ping processes have closed their connections (CLOSE frames), so no peer remains.
	t.deepEqual(snapshot.peers, []);
	const peers = await runCli(['peers', '--data', serverData]);
	t.is(peers.code, 0);
	t.is(peers.stdout, 'no peers\n');

	const second = await runCli(['start', '--headless', '--data', serverData, '--port', '0']);
	t.is(second.code, 2, 'a second node on the same data directory is refused');
	t.regex(second.stderr, /already running/);
	t.is(await server.stop(), 0, 'SIGTERM stops the node cleanly');
});

test('status without a running node says so in one line', async (t) => {
	const result = await runCli(['status', '--data', await dataDir()]);
	t.is(result.code, 1);
	t.regex(result.stderr, /^tornet status: NOT_RUNNING: no node is running/);
});

test('usage errors exit 2 with one line and no stack trace', async (t) => {
	for (const args of [
		['ping', 'not-an-address'],
		['ping'],
		['frobnicate'],
		['rank'],
		['rank', '--target', '99'],
		['start', '--port', '99999'],
		['start', '--bootstrap', 'nowhere:1'],
	]) {
		const result = await runCli([...args, '--data', await dataDir()]);
		t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		t.notRegex(result.stderr, /\n\s+at /, 'no stack trace');
	}
});

test('ping to a node that does not answer fails with one clear line and exit 1', async (t) => {
	// A real identity, but nothing listens on its port.
	const absent = await runCli([
		'id',
		'--data',
		await dataDir(),
		'--json',
		'--port',
		'9',
		'--announce',
		'127.0.0.1',
	]);
	const {address} = JSON.parse(absent.stdout) as {address: string};
	const result = await runCli(['ping', address, '--data', await dataDir(), '--count', '1']);
	t.is(result.code, 1, result.stderr);
	t.regex(result.stderr, /^tornet ping: HANDSHAKE_FAILED: no answer/);
	t.notRegex(result.stderr, /\n\s+at /);
});

test('a public key that is not a curve point is a usage error', async (t) => {
	const result = await runCli([
		'ping',
		`${'ab'.repeat(32)}@127.0.0.1:9`,
		'--data',
		await dataDir(),
	]);
	t.is(result.code, 2);
	t.regex(result.stderr, /BAD_ADDRESS/);
});
