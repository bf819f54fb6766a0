import {randomBytes} from 'node:crypto';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {keyOf} from '../../source/chunks/pull-cache.js';
import {fetchChunk} from '../../source/chunks/transfer/fetch-chunk.js';
import {fetchMeta} from '../../source/chunks/transfer/fetch-meta.js';
import {FetchSession} from '../../source/chunks/transfer/fetch-session.js';
import {DHT_METHODS, encodeFindChunkRequest} from '../../source/dht/messages.js';
import {parseAddress} from '../../source/identity/address.js';
import type {Identity} from '../../source/identity/keys.js';
import {paymentDetails} from '../../source/market/credit-line.js';
import {weeklyEarnings} from '../../source/market/publishing.js';
import type {TornetNode} from '../../source/node/node.js';
import {offerChunk} from '../../source/node/offer-client.js';
import {identityWithRank} from '../helpers/identities.js';
import {testnet, type TestnetOptions} from '../helpers/testnet.js';

const KIB = 1024;

async function nodeWith(
	t: ExecutionContext,
	identity: Identity,
	options: TestnetOptions = {},
): Promise<TornetNode> {
	const {nodes} = await testnet(t, 1, {identity, ...options});
	return nodes[0];
}

/** Publishes `bytes` random bytes; returns the content chunk (the largest) and the link. */
async function published(node: TornetNode, bytes: number) {
	const directory = await mkdtemp(join(tmpdir(), 'tornet-offer-'));
	const path = join(directory, `file-${bytes}.bin`);
	await writeFile(path, randomBytes(bytes));
	const before = new Set<string>();
	for await (const info of node.content.store.list()) before.add(info.id.toString('hex'));
	const {link} = await node.publish(path);
	const added = [];
	for await (const info of node.content.store.list())
		if (!before.has(info.id.toString('hex'))) added.push(info);
	added.sort((a, b) => b.size - a.size);
	return {link, chunk: added[0], root: added.at(-1)!};
}

/** A pair where the publisher's rank is above the server's (identities of small ranks). */
function rankedPair(): {low: Identity; high: Identity} {
	const low = identityWithRank(0);
	return {low, high: identityWithRank(low.rank + 1)};
}

async function events(node: TornetNode, peer: TornetNode) {
	return node.market.market.events(peer.identity.id);
}

test('an offer from a publisher not ranked above the node is RANK_TOO_LOW, before any state', async (t) => {
	const {low, high} = rankedPair();
	const publisher = await nodeWith(t, low);
	const server = await nodeWith(t, high);
	const {chunk} = await published(publisher, 40 * KIB);
	const outcome = await publisher.offers.offer(parseAddress(server.address), chunk.id, 10n ** 9n);
	t.false(outcome!.accepted);
	t.is(!outcome!.accepted && outcome!.error.code, 'RANK_TOO_LOW');
	t.false(await server.content.store.has(chunk.id));
	t.is(server.content.store.chunkCount, 0);
	t.deepEqual(await events(server, publisher), []);
	const account = await server.market.market.account(publisher.identity.id);
	t.is(account.balance, 0n);
	t.is(account.rank, 0, 'the publisher was not even recorded');
	t.deepEqual(await events(publisher, server), []);
});

test('below the price is PAYMENT_REQUIRED naming it; at the price the chunk is pulled, stored, charged once on both ledgers, and served with the publisher gone', async (t) => {
	t.timeout(60_000);
	const {low, high} = rankedPair();
	const publisher = await nodeWith(t, high);
	// Room for one 300 KiB chunk and a few small ones: a second one must displace the first. The
	// publisher is a stranger here, and the price is more than all strangers may owe by default
	// (stranger-budget.ts): this node extends strangers credit by the original rules.
	const server = await nodeWith(t, low, {
		diskBytes: 512 * KIB,
		market: {settings: {strangerSharePermille: 1000}},
	});
	const serverAddress = parseAddress(server.address);
	const first = await published(publisher, 300 * KIB);
	const second = await published(publisher, 300 * KIB);

	// An empty disk costs nothing to fill: an offer of 0 is taken, with no ledger event.
	const free = await publisher.offers.offer(serverAddress, first.chunk.id);
	t.like(free, {accepted: true, status: 'stored', charged: 0n});
	t.true(await server.content.store.has(first.chunk.id));
	t.false((await server.content.store.info(first.chunk.id))!.pinned, 'a cached copy');
	t.deepEqual(await events(server, publisher), []);

	// Someone asks the server for the first chunk: it now earns, and displacing it has a price.
	const connection = await publisher.dial(serverAddress);
	await publisher.rpc.request(
		connection,
		DHT_METHODS.findChunk,
		encodeFindChunkRequest(first.chunk.id, 4),
	);
	const state = server.offers.server.publishState();
	const stored = state.stored.find((entry) => entry.key === keyOf(first.chunk.id))!;
	t.true(stored.rate > 0);
	const earnings = weeklyEarnings(stored, state.settings);
	t.true(earnings > 0n);

	// No --max-price: the refusal is reported with the price, nothing changes. The price is what
	// the chunk would earn in a week (its rate decays a little between the two readings).
	const refused = await publisher.offers.offer(serverAddress, second.chunk.id);
	if (refused!.accepted) return t.fail('accepted without pay');
	t.is(refused!.error.code, 'PAYMENT_REQUIRED');
	const price = refused!.price!;
	t.is(paymentDetails(refused!.error)?.price, price);
	t.true(price <= earnings && price > (earnings * 99n) / 100n, `${price} vs ${earnings}`);
	t.false(await server.content.store.has(second.chunk.id));
	t.true(await server.content.store.has(first.chunk.id));

	// An offer below the price is refused too, and reserves nothing on either side.
	const context = {
		rpc: publisher.rpc,
		market: publisher.market.market,
		waivers: publisher.offers.waivers,
	};
	const chunk = {id: second.chunk.id, size: second.chunk.size};
	const short = await offerChunk(context, connection, chunk, price / 2n);
	t.is(!short.accepted && short.error.code, 'PAYMENT_REQUIRED');
	t.is(publisher.market.market.ledger.reserved(server.identity.id.toString('hex'), 'use'), 0n);

	// With a limit of that price: asked again (the rate decays, so the price can only have
	// fallen), then offered and charged exactly what the node names now.
	const paid = await publisher.offers.offer(serverAddress, second.chunk.id, price);
	if (!paid!.accepted) return t.fail(paid!.error.message);
	t.like(paid, {status: 'stored'});
	const charged = paid!.charged;
	t.true(charged > 0n && charged <= price);
	t.true(await server.content.store.has(second.chunk.id));
	t.false(await server.content.store.has(first.chunk.id), 'the least profitable chunk made room');

	const served = (await events(server, publisher)).filter((event) => event.amount === charged);
	const used = (await events(publisher, server)).filter((event) => event.amount === charged);
	t.is(served.length, 1);
	t.is(used.length, 1);
	t.is(served[0].id, used[0].id);
	t.regex(served[0].id, /^publish-[\da-f]{32}$/);
	t.like(served[0], {kind: 'served', reason: 'chunk', chunk: second.chunk.id.toString('hex')});
	t.like(used[0], {kind: 'used', reason: 'chunk', chunk: second.chunk.id.toString('hex')});

	// The publisher goes; a new node fetches the chunk from the server, verified, byte-exact.
	const original = await publisher.content.store.get(second.chunk.id);
	await publisher.close();
	// Rank 1 at least: a rank-0 peer has no credit line to fetch on.
	const reader = await nodeWith(t, identityWithRank(1));
	const hooks = reader.market.fetchHooks();
	const session = new FetchSession({rpc: reader.rpc, ...hooks});
	const sources = [{peerId: server.identity.id, connect: async () => reader.dial(serverAddress)}];
	const meta = await fetchMeta(reader.content.store, second.chunk.id, sources, session);
	await fetchChunk(reader.content.store, meta, sources, session);
	t.true((await reader.content.store.get(second.chunk.id)).equals(original));
});

test('an offer is DISK_FULL when only pinned chunks are left to make room', async (t) => {
	const {low, high} = rankedPair();
	const publisher = await nodeWith(t, high);
	const server = await nodeWith(t, low, {diskBytes: 512 * KIB});
	await published(server, 400 * KIB); // pinned: published here
	const {chunk} = await published(publisher, 300 * KIB);
	const outcome = await publisher.offers.offer(parseAddress(server.address), chunk.id, 10n ** 12n);
	t.is(!outcome!.accepted && outcome!.error.code, 'DISK_FULL');
	t.false(await server.content.store.has(chunk.id));
	t.deepEqual(await events(server, publisher), []);
	t.deepEqual(await events(publisher, server), []);
});

test('publish with replicas offers each chunk to the nearest nodes and reports refusals by rank', async (t) => {
	t.timeout(60_000);
	const {low, high} = rankedPair();
	const publisher = await nodeWith(t, high);
	const below = await nodeWith(t, low);
	const above = await nodeWith(t, identityWithRank(high.rank + 1));
	await below.dht.bootstrap([publisher.address]);
	await above.dht.bootstrap([publisher.address, below.address]);
	await publisher.dht.bootstrap([below.address, above.address]);
	const directory = await mkdtemp(join(tmpdir(), 'tornet-offer-'));
	const path = join(directory, 'small.txt');
	await writeFile(path, 'replicated beyond the publisher');
	const result = await publisher.publish(path, undefined, {replicas: 2});
	t.truthy(result.replicas);
	const replicas = result.replicas!;
	// Every chunk (content and description) offered to both other nodes.
	t.true(replicas.accepted >= 2);
	t.is(replicas.offers, replicas.accepted * 2);
	t.is(replicas.refusedRank, replicas.accepted, 'the node ranked above refused every chunk');
	t.is(replicas.charged, '0');
	t.is(below.content.store.chunkCount, replicas.accepted, 'the node ranked below took every one');
	t.is(above.content.store.chunkCount, 0);
});
