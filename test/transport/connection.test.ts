import {once} from 'node:events';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {Rpc} from '../../source/rpc/rpc.js';
import {until} from '../helpers/raw-peer.js';
import {collect, nextStream, pair, seededBytes, writeAll} from './pair.js';

test('RPC over datagrams keeps working beside a bulk stream', async (t) => {
	const {connection, inbound} = await pair(t);
	const serverRpc = new Rpc();
	serverRpc.register('echo', (body) => body);
	serverRpc.attach(inbound);
	const clientRpc = new Rpc();
	const data = seededBytes(8_000_000, 30);
	const accepted = nextStream(inbound);
	const stream = connection.openStream();
	const sent = writeAll(stream, data);
	const received = accepted.then(async (remote) => collect(remote));
	const answers: Buffer[] = [];
	for (let i = 0; i < 50; i++) {
		answers.push(
			await clientRpc.request(connection, 'echo', Buffer.from(`call ${i}`), {retries: 2}),
		);
	}

	for (const [i, answer] of answers.entries()) t.is(answer.toString(), `call ${i}`);
	await sent;
	t.true((await received).equals(data));
});

test('a lost datagram is never sent again', async (t) => {
	let dropNext = 0;
	const {connection, inbound} = await pair(t, {
		hook(_packet, direction) {
			if (direction !== 'forward' || dropNext === 0) return undefined;
			dropNext--;
			return {drop: true};
		},
	});
	const got: string[] = [];
	inbound.on('datagram', (data) => got.push(data.toString()));
	// Once its first packet is acknowledged the client has no reason to send: the next packet
	// through the relay is the datagram's.
	await until(() => connection.stats.bytesInFlight === 0);
	dropNext = 1;
	connection.sendDatagram(Buffer.from('lost'));
	await until(() => dropNext === 0);
	connection.sendDatagram(Buffer.from('kept'));
	await until(() => got.includes('kept'));
	// Its packet is declared lost and probed for, but a datagram is not re-queued.
	await until(() => connection.stats.bytesInFlight === 0);
	await new Promise((resolve) => setTimeout(resolve, 100));
	t.deepEqual(got, ['kept']);
	t.true(connection.isOpen);
});

test('congestion control: CUBIC by default, LEDBAT per connection or as an endpoint default', async (t) => {
	const cubic = await pair(t);
	t.is(cubic.connection.stats.congestion, 'cubic');
	const background = await pair(t, {connect: {congestion: 'ledbat'}});
	t.is(background.connection.stats.congestion, 'ledbat');
	background.connection.setCongestion('cubic');
	t.is(background.connection.stats.congestion, 'cubic');
	const serving = await pair(t, {server: {transport: {congestion: 'ledbat'}}});
	t.is(serving.inbound.stats.congestion, 'ledbat');
	t.is(serving.connection.stats.congestion, 'cubic');
	// A LEDBAT connection still moves data.
	const data = seededBytes(2_000_000, 31);
	const accepted = nextStream(background.inbound);
	background.connection.setCongestion('ledbat');
	const stream = background.connection.openStream();
	const sent = writeAll(stream, data);
	t.true((await collect(await accepted)).equals(data));
	await sent;
});

test('path MTU: a bulk transfer on loopback finds large packets; 1200 stays 1200 when asked', async (t) => {
	for (const [maxPacketSize, check] of [
		[undefined, (mtu: number) => mtu > 1200],
		[1200, (mtu: number) => mtu === 1200],
	] as const) {
		const {connection, inbound} = await pair(t, {connect: {maxPacketSize}});
		const data = seededBytes(1_500_000, 32);
		const accepted = nextStream(inbound);
		const sent = writeAll(connection.openStream(), data);
		t.true((await collect(await accepted)).equals(data));
		await sent;
		t.true(check(connection.stats.mtu), `mtu ${connection.stats.mtu}`);
	}
});

test('stats: RTT, window, bytes and losses can be sampled as plain data', async (t) => {
	const {connection, inbound} = await pair(t);
	const accepted = nextStream(inbound);
	const sent = writeAll(connection.openStream(), seededBytes(1_000_000, 33));
	await collect(await accepted);
	await sent;
	const stats = JSON.parse(JSON.stringify(connection.stats.snapshot())) as Record<string, number>;
	t.true(stats['rttMs'] > 0 && stats['minRttMs'] > 0 && stats['minRttMs'] <= stats['rttMs'] * 4);
	t.true(stats['cwnd'] >= 2400);
	t.true(stats['bytesSent'] > 1_000_000 && stats['packetsSent'] > 0);
	t.is(typeof stats['bytesInFlight'], 'number');
	t.is(stats['packetsLost'], stats['packetsLost'] ?? -1);
	t.is(typeof stats['retransmittedBytes'], 'number');
	t.true(stats['mtu'] >= 1200);
});

test('keepalive holds an idle connection open; silence past the idle timeout closes it', async (t) => {
	let silent = false;
	// The endpoint checks both once a second: generous margins keep this steady on a busy machine.
	const transport = {idleTimeoutMs: 4000, keepaliveMs: 300};
	const {connection, inbound} = await pair(t, {
		hook: () => ({drop: silent}),
		connect: transport,
		server: {transport},
	});
	await new Promise((resolve) => setTimeout(resolve, 3000));
	t.true(connection.isOpen && inbound.isOpen, 'keepalives kept both sides alive');
	silent = true;
	const [error] = (await once(connection, 'close')) as [Error];
	t.true(isTornetError(error, 'CONNECTION_CLOSED'), String(error));
	t.regex(String(error), /idle timeout|unreachable/);
});
