import {once} from 'node:events';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {TornetNode} from '../../source/node/node.js';
import type {Snapshot} from '../../source/node/snapshot.js';
import {testnet} from '../helpers/testnet.js';

test('settings are validated, applied at once and survive a restart', async (t) => {
	const {nodes} = await testnet(t, 1);
	const [node] = nodes;
	await node.updateSettings({rangeBits: 40, minPopularity: 2.5, minRank: 3});
	t.is(node.endpoint.minRank, 3, 'the endpoint refuses low ranks from now on');
	const error = await t.throwsAsync(node.updateSettings({rangeBits: 161}));
	t.true(isTornetError(error, 'BAD_ARGUMENT'));
	t.is(node.settings.rangeBits, 40, 'a rejected change leaves the settings as they were');
	await node.close();
	const reopened = await TornetNode.open({
		dataDir: node.options.dataDir,
		host: '127.0.0.1',
		port: 0,
	});
	t.teardown(async () => reopened.close());
	t.is(reopened.settings.rangeBits, 40);
	t.is(reopened.settings.minPopularity, 2.5);
	t.deepEqual(reopened.identity.id, node.identity.id);
});

test('the snapshot lists connected peers with their rank, traffic and RTT', async (t) => {
	const {nodes} = await testnet(t, 3, {stats: true});
	const [a, b, c] = nodes;
	await a.ping(b.address);
	await a.ping(c.address);
	const [snapshot] = (await once(a, 'snapshot')) as [Snapshot];
	t.is(snapshot.self.idHex, a.identity.id.toString('hex'));
	t.is(snapshot.peers.length, 2);
	const peerB = snapshot.peers.find((peer) => peer.idHex === b.identity.id.toString('hex'));
	t.truthy(peerB);
	t.is(peerB!.rank, b.identity.rank);
	t.not(peerB!.rttMs, null, 'the ping measured a round trip');
	t.true(snapshot.series.upBps.length >= 1);
	t.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot, 'the snapshot is plain data');
});
