import test from 'ava';
import {parseAddress} from '../../source/identity/address.js';
import {testnet} from '../helpers/testnet.js';

test('concurrent connects to one peer share a handshake and all get a live connection', async (t) => {
	const {nodes} = await testnet(t, 2);
	const [a, b] = nodes;
	const address = parseAddress(b.address);
	const connections = await Promise.all(
		Array.from({length: 5}, async () => a.endpoint.connect(address)),
	);
	t.true(connections.every((connection) => connection === connections[0]));
	t.is(b.endpoint.stats.handshakesAccepted, 1);
	t.is(a.endpoint.connectionCount, 1);
	t.is(a.endpoint.tableSizes().handshakes, 0);

	// Pings started together, before any connection exists, all get answers.
	const {nodes: fresh} = await testnet(t, 1);
	const results = await Promise.all(Array.from({length: 4}, async () => fresh[0].ping(b.address)));
	for (const result of results) t.deepEqual(result.peer.id, b.identity.id);
	t.is(fresh[0].endpoint.connectionCount, 1);
});
