import {randomBytes} from 'node:crypto';
import anyTest, {type TestFn} from 'ava';
import {compareDistance} from '../../source/identity/id.js';
import type {DhtService} from '../../source/node/dht-service.js';
import type {TornetNode} from '../../source/node/node.js';
import {testnet} from '../helpers/testnet.js';

/**
 * One 60-node swarm on loopback UDP for the whole file (joining costs ~3,000 handshakes), each
 * node bootstrapped from up to three random earlier nodes. These tests only read from it.
 */
const test = anyTest as TestFn<{nodes: TornetNode[]; dhts: DhtService[]}>;
const teardowns: Array<() => Promise<void>> = [];
const K = 20;

test.before(async (t) => {
	t.context = await testnet({teardown: (fn) => teardowns.push(fn)}, 60, {
		bootstrap: 'random',
		dht: {config: {slowMs: 1000}}, // no dead nodes here: only CPU stalls of this one process make a peer slow
	});
});

test.after.always(async () => {
	for (const teardown of teardowns) await teardown();
});

/** The true k closest node ids to `target` among `nodes`, by brute force, as hex. */
function trueClosest(nodes: readonly TornetNode[], target: Uint8Array, k = K): string[] {
	return nodes
		.map((node) => node.identity.id)
		.sort((a, b) => compareDistance(target, a, b))
		.slice(0, k)
		.map((id) => id.toString('hex'));
}

const hexIds = (contacts: ReadonlyArray<{id: Buffer}>) => contacts.map((c) => c.id.toString('hex'));

test.serial('lookups from several nodes find the true k closest nodes', async (t) => {
	const {nodes, dhts} = t.context;
	for (const [i, dht] of dhts.entries()) {
		t.true(dht.stats().contacts >= K, `node ${i} knows ${dht.stats().contacts} contacts`);
	}

	for (const from of [0, 17, 42, 59]) {
		const target = randomBytes(20);
		const others = nodes.filter((_, i) => i !== from);
		const result = await dhts[from].lookup(target);
		t.deepEqual(hexIds(result.closest), trueClosest(others, target), `lookup from node ${from}`);
		t.true(result.hops >= 1);
	}
});

test.serial('contacts carry the id, address and rank a peer needs to dial them', async (t) => {
	const {nodes, dhts} = t.context;
	const [contact] = (await dhts[5].lookup(nodes[30].identity.id)).closest;
	t.deepEqual(contact.id, nodes[30].identity.id);
	t.deepEqual(contact.publicKey, nodes[30].identity.publicKey);
	t.is(contact.address, nodes[30].address);
	t.is(contact.rank, nodes[30].identity.rank);
});

test.serial('a chunk search finds the nodes that hold it, and learns its query rate', async (t) => {
	const {nodes, dhts} = t.context;
	const chunkId = randomBytes(20);
	const holders = new Set(trueClosest(nodes, chunkId, 3));
	for (const [i, node] of nodes.entries()) {
		if (holders.has(node.identity.id.toString('hex'))) dhts[i].hold(chunkId);
	}

	const searchers = [3, 21, 38, 50].filter(
		(i) => !holders.has(nodes[i].identity.id.toString('hex')),
	);
	let rate = 0;
	for (const from of searchers) {
		const result = await dhts[from].findChunk(chunkId);
		t.true(result.found, `search from node ${from}`);
		t.true(holders.has(result.holder!.id.toString('hex')), 'the answer came from a holder');
		t.true(result.hops >= 1);
		rate = result.rate;
	}

	t.true(rate > 0, 'holders report the queries they have seen');
	const missing = await dhts[searchers[0]].findChunk(randomBytes(20));
	t.false(missing.found);
	t.is(missing.holder, undefined);
});

test.serial(
	'a holder far from the chunk id is found through the reference it pushed',
	async (t) => {
		const {nodes, dhts} = t.context;
		const chunkId = randomBytes(20);
		const order = byDistance(nodes, chunkId);
		const far = order.at(-1)!.i;
		dhts[far].hold(chunkId);
		t.true((await dhts[far].announce(chunkId)) >= 1, 'nodes near the chunk id took the reference');
		for (const from of [order[30].i, order[45].i]) {
			const result = await dhts[from].findChunk(chunkId);
			t.true(result.found);
			t.deepEqual(result.holder!.id, nodes[far].identity.id);
			t.deepEqual(result.holders[0].id, nodes[far].identity.id, 'the answering holder leads');
		}
	},
);

test.serial(
	'a chunk search reports every holder it learned of, for a multi-source fetch',
	async (t) => {
		const {nodes, dhts} = t.context;
		const chunkId = randomBytes(20);
		const order = byDistance(nodes, chunkId);
		// Three holders far from the id, found only through the references they pushed.
		const far = order.slice(-3).map(({i}) => i);
		for (const i of far) {
			dhts[i].hold(chunkId);
			t.true((await dhts[i].announce(chunkId)) >= 1);
		}

		const result = await dhts[order[40].i].findChunk(chunkId);
		t.true(result.found);
		const found = new Set(result.holders.map((holder) => holder.id.toString('hex')));
		t.is(found.size, result.holders.length, 'no holder twice');
		for (const i of far) t.true(found.has(nodes[i].identity.id.toString('hex')), `holder ${i}`);
	},
);

/** Node indices with their ids, nearest to `target` first. */
function byDistance(nodes: TornetNode[], target: Uint8Array): Array<{i: number; id: Buffer}> {
	return nodes
		.map((node, i) => ({i, id: node.identity.id}))
		.sort((a, b) => compareDistance(target, a.id, b.id));
}
