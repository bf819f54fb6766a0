import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {META_METHOD} from '../../source/chunks/transfer/protocol.js';
import {DHT_METHODS, encodeFindNodeReply, type WireContact} from '../../source/dht/messages.js';
import {NONE} from '../../source/dht/id-table.js';
import {isTornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import {nodeIdFromPublicKey} from '../../source/identity/id.js';
import {generateKeyPair} from '../../source/identity/keys.js';
import {TornetNode} from '../../source/node/node.js';
import {testnet} from '../helpers/testnet.js';
import {ledgersMirror} from '../node/fees-fixture.js';
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

test('a node flooding missing chunk ids pays for every query until its line is used up, then is refused', async (t) => {
	// Lines of 20,000 × rank credits and fees of 1,000: a flooder of rank ~8 is refused after a
	// few hundred queries per node, while a fetch (a few dozen lookups and cheap transfers) fits.
	const settings = {
		lineBytesPerRank: 20_000,
		lineBits: 1,
		openingLinePermille: 1000,
		lookupFee: 1000n,
		requestFee: 1000n,
		multiplierPermille: 10,
		allowancePerSecond: 0n,
	};
	const {nodes} = await testnet(t, 3, {bootstrap: 'first', market: {settings}});
	const [target, publisher, fetcher] = nodes;
	const directory = await scratch(t);
	const dataDir = await mkdtemp(join(tmpdir(), 'tornet-flooder-'));
	// A free rider: it never settles, so only its line stands between it and the nodes' work.
	const attacker = await TornetNode.open({
		dataDir,
		host: '127.0.0.1',
		bootstrap: [target.address],
		market: {settings, autoSettleCredits: 0n},
	});
	t.teardown(async () => {
		await attacker.close();
		await rm(dataDir, {recursive: true, force: true});
	});
	await attacker.dht.start();
	const content = await publishRandom(publisher, directory, 300_000);

	let sent = 0;
	const flood = async () => {
		while (sent < 3000 && target.market.charged.stats.refused === 0) {
			sent++;
			await attacker.dht.findChunk(randomBytes(20)).catch(() => undefined);
		}
	};

	const attack = Promise.all(Array.from({length: 16}, flood));
	const fetched = await fetchSha(fetcher, directory, content.link);
	await attack;
	t.is(fetched, content.sha256, 'the honest fetch completed byte-exact during the flood');

	// Whatever the flood left in flight, a query from the attacker is now refused for payment:
	// chunk searches through its DHT, and chunk.meta straight at the target.
	const index = attacker.dht.book.indexOf(target.identity.id);
	const search = await t.throwsAsync(attacker.dht.network.findChunk(index, randomBytes(20), 20));
	t.true(isTornetError(search, 'PAYMENT_REQUIRED'), String(search));
	const connection = await attacker.dial(parseAddress(target.address));
	const meta = await t.throwsAsync(attacker.rpc.request(connection, META_METHOD, randomBytes(20)));
	t.true(isTornetError(meta, 'PAYMENT_REQUIRED'), String(meta));
	const {refused} = target.market.charged.stats;

	await Promise.all([...nodes, attacker].map(async (node) => node.market.flushFees()));
	const owed = (await target.market.market.account(attacker.identity.id)).balance;
	const line = target.market.market.lineFor(attacker.identity.rank);
	t.log(
		`${sent} searches: the attacker owes the target ${owed} of its ${line} line; ${refused} refused`,
	);
	t.true(owed > line - settings.lookupFee && owed <= line, 'charged up to its line, never past it');
	const {sent: served} = await target.market.market.account(attacker.identity.id);
	t.is(served, owed, 'every credit of it is fees for queries answered');

	// Honest peers are still served, and their ledgers with each other mirror.
	const {closest} = await fetcher.dht.lookup(randomBytes(20));
	t.true(
		closest.some((contact) => contact.id.equals(target.identity.id)),
		'the target still answers an honest lookup',
	);
	t.true(await ledgersMirror(nodes), 'honest ledgers mirror after lookups, fees and a fetch');
});
