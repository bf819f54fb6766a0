import {randomBytes} from 'node:crypto';
import test from 'ava';
import {DHT_METHODS, encodeFindNodeReply, type WireContact} from '../../source/dht/messages.js';
import {NONE} from '../../source/dht/id-table.js';
import {nodeIdFromPublicKey} from '../../source/identity/id.js';
import {generateKeyPair} from '../../source/identity/keys.js';
import {testnet} from '../helpers/testnet.js';
import {fetchSha, publishRandom, scratch} from './hostile-fixture.js';

const QUERIES = 5000;
const IN_FLIGHT = 64;

test('a node querying random missing chunk ids at high rate leaves its target bounded and serving', async (t) => {
	const {nodes, dhts} = await testnet(t, 4, {bootstrap: 'first'});
	const directory = await scratch(t);
	const [target, publisher, fetcher, attacker] = nodes;
	const content = await publishRandom(publisher, directory, 300_000);
	const chunksBefore = target.content.store.chunkCount;
	const {capacity} = target.dht.cache.popularity;

	// The flood: QUERIES distinct ids nobody holds, IN_FLIGHT at a time, straight at the target.
	let sent = 0;
	const flood = async () => {
		while (sent < QUERIES) {
			sent++;
			await dhts[3].findChunk(randomBytes(20)).catch(() => undefined);
		}
	};

	const attack = Promise.all(Array.from({length: IN_FLIGHT}, flood));
	// Honest work during the attack: a fetch (chunk searches through the same nodes) completes.
	const fetched = await fetchSha(fetcher, directory, content.link);
	await attack;
	t.is(fetched, content.sha256, 'the honest fetch completed byte-exact during the flood');
	const popularity = target.dht.cache.popularity.size;
	t.log(`${sent} missing-chunk queries: target tracks ${popularity} of at most ${capacity}`);
	t.true(popularity <= capacity, 'the popularity table stays bounded');
	t.true(target.dht.cache.popularity.size > 0, 'the queries reached the target');
	t.is(target.content.store.chunkCount, chunksBefore, 'nothing was cached for missing chunks');
	t.true(attacker.dht.stats().chunkSearches >= QUERIES);
	t.true(target.dht.stats().known <= 4096, 'the contact book stays bounded');
});

test('a node answering lookups with garbage or contacts that do not exist does not stop fetches', async (t) => {
	const {nodes, dhts} = await testnet(t, 6, {bootstrap: 'first', dht: {requestTimeoutMs: 1000}});
	const directory = await scratch(t);
	const hostile = nodes[2];
	// Twenty contacts that lead nowhere (nothing listens on UDP port 1), and plain garbage.
	const fakes: WireContact[] = Array.from({length: 20}, () => ({
		publicKey: generateKeyPair().publicKey,
		host: '127.0.0.1',
		port: 1,
		rank: 0,
	}));
	const fakeReply = encodeFindNodeReply(fakes);
	hostile.rpc.register(DHT_METHODS.findNode, () => fakeReply);
	hostile.rpc.register(DHT_METHODS.findChunk, () => randomBytes(120));

	const content = await publishRandom(nodes[1], directory, 200_000);
	t.is(await fetchSha(nodes[4], directory, content.link), content.sha256);

	for (const [i, dht] of dhts.entries()) {
		if (nodes[i] === hostile) continue;
		const {table, book} = dht;
		const fakeInTable = fakes.some((fake) => {
			const index = book.indexOf(nodeIdFromPublicKey(fake.publicKey));
			return index !== NONE && table.has(0, index);
		});
		t.false(fakeInTable, `node ${i}: no fake contact in the routing table`);
	}
});
