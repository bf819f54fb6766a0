import test from 'ava';
import {idWords} from '../../source/dht/id-table.js';
import type {LookupResult} from '../../source/dht/lookup.js';
import {SimWorld} from '../../source/sim/world.js';

async function runLookup(world: SimWorld, from: number, target: Uint8Array): Promise<LookupResult> {
	const pending = world.node(from).lookup(target);
	await world.clock.run();
	return pending;
}

function recall(found: readonly number[], truth: readonly number[]): [number, number] {
	const set = new Set(found);
	return [truth.filter((node) => set.has(node)).length, truth.length];
}

test('a lookup finds the true k closest nodes of a converged network', async (t) => {
	const world = new SimWorld({nodes: 3000, seed: 21});
	let hit = 0;
	let total = 0;
	for (let i = 0; i < 60; i++) {
		const target = world.random.bytes(20);
		const result = await runLookup(world, world.randomAliveNode(), target);
		const [h, n] = recall(result.closest, world.trueClosest(target, 20));
		hit += h;
		total += n;
		t.true(result.hops >= 1 && result.hops <= 4, `hops ${result.hops}`);
	}

	// Converged tables sample 20 of a bucket's nodes, so now and then no node asked happens to
	// know one of the true closest: real Kademlia behaves the same.
	t.true(hit / total >= 0.995, `recall ${hit / total}`);
});

test('with 10% of nodes gone without notice, lookups still find the live closest nodes', async (t) => {
	const world = new SimWorld({nodes: 3000, seed: 22, dht: {slowMs: 300}});
	world.churn(0.1);
	let hit = 0;
	let total = 0;
	for (let i = 0; i < 60; i++) {
		const target = world.random.bytes(20);
		const result = await runLookup(world, world.randomAliveNode(), target);
		const [h, n] = recall(result.closest, world.trueClosest(target, 20));
		hit += h;
		total += n;
		for (const node of result.closest)
			t.true(world.isAlive(node), 'only nodes that answered are returned');
	}

	t.true(hit / total >= 0.97, `recall ${hit / total}`);
	t.true(world.network.totals.timeouts > 0, 'dead contacts were asked and skipped');
});

test('slow peers do not hold a lookup up: it finishes long before their requests time out', async (t) => {
	const world = new SimWorld({
		nodes: 2000,
		seed: 23,
		dht: {slowMs: 300},
		network: {requestTimeoutMs: 10_000},
	});
	world.churn(0.3);
	const durations: number[] = [];
	for (let i = 0; i < 30; i++) {
		const result = await runLookup(world, world.randomAliveNode(), world.random.bytes(20));
		durations.push(result.ms);
	}

	durations.sort((a, b) => a - b);
	t.true(durations[15] < 3000, `median ${durations[15]} ms (requests time out after 10 s)`);
});

/**
 * Hostile nodes answer FIND_NODE with fabricated ids right next to the target, ids no node has
 * (the simulator's phantoms), so every honest lookup that meets one is flooded with contacts that
 * never answer.
 */
function hostileWorld(paths: number, seed: number, share: number) {
	const nodes = 2000;
	const phantoms = 4000;
	const world = new SimWorld({nodes, seed, phantoms, dht: {paths, slowMs: 300}});
	const hostile = new Uint8Array(nodes);
	for (let i = 0; i < nodes; i++) if (world.random.next() < share) hostile[i] = 1;
	let next = 0;
	world.network.intercept = (to, _from, kind, argument, want) => {
		if (hostile[to] === 0 || kind !== 'findNode' || argument === undefined) return undefined;
		const target = idWords(argument);
		const {words} = world.ids;
		const contacts: number[] = [];
		for (let i = 0; i < want; i++) {
			const phantom = nodes + (next++ % phantoms);
			words[phantom * 5] = target[0];
			words[phantom * 5 + 1] = (target[1] ^ (world.random.u32() >>> 8)) >>> 0;
			for (let w = 2; w < 5; w++) words[phantom * 5 + w] = world.random.u32();
			contacts.push(phantom);
		}

		return {contacts};
	};

	return {world, hostile};
}

async function honestRecall(paths: number, share: number): Promise<number> {
	const {world, hostile} = hostileWorld(paths, 24, share);
	let hit = 0;
	let total = 0;
	for (let i = 0; i < 80; i++) {
		const target = world.random.bytes(20);
		let from = world.randomAliveNode();
		while (hostile[from] === 1) from = world.randomAliveNode();
		const result = await runLookup(world, from, target);
		const truth = world.trueClosest(target, 20).filter((node) => hostile[node] === 0);
		const [h, n] = recall(result.closest, truth);
		hit += h;
		total += n;
	}

	return hit / total;
}

test('disjoint-path lookups survive 30% hostile nodes answering with nonexistent contacts', async (t) => {
	const disjoint = await honestRecall(4, 0.3);
	const plain = await honestRecall(1, 0.3);
	t.log(
		`honest closest nodes found: ${(plain * 100).toFixed(1)}% with one path, ${(disjoint * 100).toFixed(1)}% with 4 disjoint paths`,
	);
	t.true(disjoint >= 0.85, `disjoint recall ${disjoint}`);
	t.true(disjoint > plain, 'disjoint paths do better than one path');
});
