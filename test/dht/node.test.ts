import test from 'ava';
import {idWords} from '../../source/dht/id-table.js';
import {SimWorld} from '../../source/sim/world.js';

/** A world where `holders` serve one chunk and nobody else holds anything. */
function worldWithChunk(seed: number) {
	const chunkId = Buffer.alloc(20);
	const holders = new Set<number>();
	const world = new SimWorld({
		nodes: 1500,
		seed,
		dht: {slowMs: 300},
		responder: (_node, index) => ({
			query: (id: Uint8Array) => ({held: holders.has(index) && chunkId.equals(id), rate: 0}),
		}),
	});
	world.random.bytes(20).copy(chunkId);
	return {world, chunkId, holders};
}

test('a chunk search ends at the first holder and reports the round it answered in', async (t) => {
	const {world, chunkId, holders} = worldWithChunk(71);
	for (const node of world.trueClosest(chunkId, 3)) holders.add(node);
	const search = world.node(world.randomAliveNode()).findChunk(chunkId);
	await world.clock.run();
	const result = await search;
	t.true(result.found);
	t.true(holders.has(result.holder));
	t.true(result.hops >= 1 && result.hops <= 4);
	const missing = world.node(world.randomAliveNode()).findChunk(world.random.bytes(20));
	await world.clock.run();
	t.false((await missing).found);
});

test('a holder far from the id pushes a reference near it, and searches find the holder through it', async (t) => {
	const {world, chunkId, holders} = worldWithChunk(72);
	const near = world.trueClosest(chunkId, 20);
	const far = world.sorted.closest(idWords(chunkId.map((byte) => byte ^ 0xff)), 1)[0];
	holders.add(far);
	const before = world.node(world.randomAliveNode()).findChunk(chunkId);
	await world.clock.run();
	t.false((await before).found, 'a search walks toward the id and never meets the far holder');
	const pushed = world.node(far).pushReference(chunkId);
	await world.clock.run();
	t.true((await pushed) >= 1, 'at least one node near the id took the reference');
	const answers = near
		.slice(0, 3)
		.map((node) => world.node(node).handleFindChunk(far === 0 ? 1 : 0, chunkId, 5));
	t.true(answers.some((answer) => Array.from(answer.holders).includes(far)));
	const search = world.node(world.randomAliveNode()).findChunk(chunkId);
	await world.clock.run();
	const result = await search;
	t.true(result.found);
	t.is(result.holder, far);
});

test('references are refused by nodes far from the chunk id', (t) => {
	const {world, chunkId} = worldWithChunk(73);
	const far = world.sorted.closest(idWords(chunkId.map((byte) => byte ^ 0xff)), 2);
	world.node(far[0]).handleStoreReference(far[1], chunkId);
	t.is(world.node(far[0]).handleFindChunk(far[1], chunkId, 5).holders.length, 0);
});

test('refresh looks into stale buckets only, once per refresh interval', async (t) => {
	const world = new SimWorld({nodes: 1000, seed: 74});
	const node = world.node(5);
	const first = node.refresh();
	await world.clock.run();
	const buckets = await first;
	t.true(buckets >= 5, `${buckets} buckets refreshed`);
	const again = node.refresh();
	await world.clock.run();
	t.is(await again, 0, 'nothing is stale right after a refresh');
	await world.clock.run(world.clock.now() + 3_600_001);
	const later = node.refresh();
	await world.clock.run();
	t.is(await later, buckets);
});
