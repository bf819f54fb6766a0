import {randomBytes} from 'node:crypto';
import anyTest, {type ExecutionContext, type TestFn} from 'ava';
import {NONE} from '../../source/dht/id-table.js';
import {
	DHT_METHODS,
	decodeFindNodeRequest,
	encodeFindNodeReply,
	FIND_NODE_REQUEST_BYTES,
	type WireContact,
} from '../../source/dht/messages.js';
import {splitFeeTag} from '../../source/dht/request-fees.js';
import {TornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import {compareDistance, nodeIdFromPublicKey} from '../../source/identity/id.js';
import {generateKeyPair} from '../../source/identity/keys.js';
import {type DhtLookup, DhtService} from '../../source/node/dht-service.js';
import type {TornetNode} from '../../source/node/node.js';
import {testnet} from '../helpers/testnet.js';

/**
 * One 50-node swarm, every node bootstrapped from node 0, in which nodes then die, fall silent or
 * turn hostile: the tests run in order and each leaves its casualties behind (the connection limit
 * is checked first, on the healthy swarm).
 */
const test = anyTest as TestFn<{nodes: TornetNode[]; dhts: DhtService[]; gone: Set<number>}>;
const teardowns: Array<() => Promise<void>> = [];
const K = 20;
const REQUEST_TIMEOUT_MS = 1000;
const ALPHA = 3;

test.before(async (t) => {
	const net = await testnet({teardown: (fn) => teardowns.push(fn)}, 50, {
		bootstrap: 'first',
		dht: {config: {slowMs: 300}, requestTimeoutMs: REQUEST_TIMEOUT_MS},
	});
	t.context = {...net, gone: new Set()};
});

test.after.always(async () => {
	for (const teardown of teardowns) await teardown();
});

type Context = {context: {nodes: TornetNode[]; gone: Set<number>}};

/** Ids (hex) of the live, honest nodes by distance to `target` (brute force), leaving out `from`. */
function byDistance(t: Context, target: Uint8Array, from: number): string[] {
	const {nodes, gone} = t.context;
	return nodes
		.filter((_, i) => !gone.has(i) && i !== from)
		.map((node) => node.identity.id)
		.sort((a, b) => compareDistance(target, a, b))
		.map((id) => id.toString('hex'));
}

const expected = (t: Context, target: Uint8Array, from: number) =>
	byDistance(t, target, from).slice(0, K);

/**
 * A lookup's result against the truth: only live, honest nodes, closest first, and nearly all of
 * the true k closest. Two things may cost a few: a node that died or turned hostile stays in the
 * other nodes' tables until it fails twice there, and replies carry k contacts, so it may push the
 * k-th live node out of every reply; and this process runs 50 nodes on a shared machine, so a stall
 * longer than slowMs can mark the last wave of α = 3 requests slow before their answers are read.
 */
function checkLookup(
	t: ExecutionContext & Context,
	result: DhtLookup,
	target: Uint8Array,
	from: number,
) {
	const order = byDistance(t, target, from);
	const truth = new Set(order.slice(0, K));
	const found = result.closest.map((contact) => contact.id.toString('hex'));
	const rank = new Map(order.map((id, i) => [id, i]));
	t.true(
		found.every((id) => rank.has(id)),
		`from ${from}: only live, honest nodes are returned`,
	);
	const ranks = found.map((id) => rank.get(id)!);
	t.deepEqual(
		ranks,
		[...ranks].sort((a, b) => a - b),
		`from ${from}: closest first`,
	);
	const hits = found.filter((id) => truth.has(id)).length;
	t.true(hits >= K - t.context.gone.size - ALPHA, `from ${from}: ${hits} of the ${K} closest`);
}

/** A target right next to node `i`'s id, so that every lookup for it asks node `i`. */
function beside(node: TornetNode): Buffer {
	const target = Buffer.from(node.identity.id);
	randomBytes(3).copy(target, 17);
	return target;
}

/** Resolves once `check` holds, polling; fails the test after `ms`. */
async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
	const deadline = performance.now() + ms;
	while (!check()) {
		if (performance.now() > deadline) return false;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}

	return true;
}

test.serial('the connections a node opens for the DHT stay under its limit', async (t) => {
	const {nodes: swarm} = t.context;
	const {
		nodes: [node],
	} = await testnet(t, 1);
	const dht = new DhtService(node, {
		bootstrap: [swarm[0].address],
		maxConnections: 4,
		config: {slowMs: 300},
		requestTimeoutMs: REQUEST_TIMEOUT_MS,
	});
	t.teardown(() => {
		dht.close();
	});
	await dht.start();
	t.true(dht.stats().connections <= 4);
	t.true(dht.stats().connectionsClosed > 0, 'joining asked more than 4 nodes');
	for (let i = 0; i < 2; i++) {
		const target = randomBytes(20);
		const result = await dht.lookup(target);
		t.true(dht.stats().connections <= 4);
		checkLookup(t, result, target, -1);
	}
});

test.serial(
	'a node closed mid-test times out, is skipped, and leaves the routing tables',
	async (t) => {
		const {nodes, dhts, gone} = t.context;
		const victim = 7;
		const victimId = nodes[victim].identity.id;
		const target = beside(nodes[victim]);
		// A node that has the victim in its routing table, to watch the failures count there.
		const watcher = dhts.findIndex(
			(dht, i) => i !== victim && dht.table.has(0, dht.book.indexOf(victimId)),
		);
		t.not(watcher, -1);
		await nodes[victim].close();
		dhts[victim].close();
		gone.add(victim);
		for (const from of [watcher, 24, 45]) {
			checkLookup(t, await dhts[from].lookup(target), target, from);
		}

		const index = dhts[watcher].book.indexOf(victimId);
		const {table} = dhts[watcher];
		t.true(await eventually(() => table.failureCount(0, index) >= 1 || !table.has(0, index)));
		await dhts[watcher].lookup(target);
		t.true(await eventually(() => !table.has(0, index)), 'two failures in a row evict it');
	},
);

test.serial('a node that stops answering is skipped after slowMs', async (t) => {
	const {nodes, dhts, gone} = t.context;
	const silent = 12;
	const never = async () => new Promise<Uint8Array>(() => undefined);
	for (const method of Object.values(DHT_METHODS)) nodes[silent].rpc.register(method, never);
	gone.add(silent);
	const target = beside(nodes[silent]);
	for (const from of [4, 31]) checkLookup(t, await dhts[from].lookup(target), target, from);
});

test.serial('a node answering with garbage does not break lookups or chunk searches', async (t) => {
	const {nodes, dhts, gone} = t.context;
	const hostile = 20;
	const garbage = () => randomBytes(100);
	nodes[hostile].rpc.register(DHT_METHODS.findNode, garbage);
	nodes[hostile].rpc.register(DHT_METHODS.findChunk, garbage);
	gone.add(hostile);
	const target = beside(nodes[hostile]);
	for (const from of [5, 33]) checkLookup(t, await dhts[from].lookup(target), target, from);

	// The chunk lives at the honest nodes nearest its id; the hostile node is the nearest of all.
	const holders = expected(t, target, -1).slice(0, 2);
	for (const [i, node] of nodes.entries())
		if (holders.includes(node.identity.id.toString('hex'))) dhts[i].hold(target);
	const search = await dhts[40].findChunk(target);
	t.true(search.found);
	t.true(holders.includes(search.holder!.id.toString('hex')));
});

test.serial(
	'a node answering with fake contacts next to the target does not break lookups',
	async (t) => {
		const {nodes, dhts} = t.context;
		const hostile = 28;
		const target = beside(nodes[hostile]);
		// Ids sharing the target's first byte: closer than any honest node but the hostile one. Their
		// addresses lead nowhere (nothing listens on UDP port 1).
		const fakes: WireContact[] = [];
		while (fakes.length < K) {
			const {publicKey} = generateKeyPair();
			if (nodeIdFromPublicKey(publicKey)[0] === target[0])
				fakes.push({publicKey, host: '127.0.0.1', port: 1, rank: 0});
		}

		const fakeReply = encodeFindNodeReply(fakes);
		nodes[hostile].rpc.register(DHT_METHODS.findNode, () => fakeReply);
		const fakeIds = fakes.map((fake) => nodeIdFromPublicKey(fake.publicKey));
		for (const from of [9, 38]) {
			checkLookup(t, await dhts[from].lookup(target), target, from);
			const {book} = dhts[from];
			t.true(
				fakeIds.some((id) => book.indexOf(id) !== NONE),
				'the fakes reached the contact book',
			);
			const inTable = (id: Buffer) => {
				const index = book.indexOf(id);
				return index !== NONE && dhts[from].table.has(0, index);
			};

			t.false(fakeIds.some(inTable), 'no fake entered the routing table');
		}
	},
);

test.serial(
	'a node naming thousands of fake contacts gets only its quota of the book and evicts nobody',
	async (t) => {
		const {nodes, dhts, gone} = t.context;
		const hostile = 44;
		const from = 15;
		let named = 0;
		nodes[hostile].rpc.register(DHT_METHODS.findNode, (body) => {
			// Requests end with the asker's fee tag (request-fees.ts).
			const split = splitFeeTag(body, FIND_NODE_REQUEST_BYTES);
			if (split instanceof TornetError) throw split;
			const request = decodeFindNodeRequest(split.message);
			if (request instanceof TornetError) throw request;
			// Fresh fakes every time; nothing listens at their address.
			const fakes = Array.from({length: request.want}, () => ({
				publicKey: randomBytes(32),
				host: '127.0.0.1',
				port: 1,
				rank: 0,
			}));
			named += fakes.length;
			return encodeFindNodeReply(fakes);
		});
		const dht = dhts[from];
		const {book, table} = dht;
		const honest = (contact: number) => {
			const id = book.ids.bytes(contact);
			return nodes.some((node, i) => !gone.has(i) && i !== hostile && node.identity.id.equals(id));
		};

		const before: number[] = [];
		table.forEach(0, (contact) => {
			if (honest(contact)) before.push(contact);
		});
		const address = parseAddress(nodes[hostile].address);
		const to = book.admit({...address, rank: nodes[hostile].identity.rank}, true);
		let admitted = 0;
		for (let i = 0; i < 150; i++)
			admitted += (await dht.network.findNode(to, randomBytes(20), K)).contacts.length;
		t.is(named, 150 * K);
		t.true(admitted <= 256, `${admitted} of ${named} fakes admitted`);
		t.true(book.introducedBy(to) <= 256);
		t.true(book.refused >= named - 256);
		t.true(book.size <= book.capacity);
		t.true(
			before.every((contact) => table.has(0, contact)),
			'every honest contact is still in the routing table',
		);
		for (const target of [randomBytes(20), beside(nodes[hostile])])
			checkLookup(t, await dht.lookup(target), target, from);
	},
);
