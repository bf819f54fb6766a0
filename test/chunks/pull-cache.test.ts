import test from 'ava';
import {
	type ChunkHoldings,
	keyOf,
	PullCache,
	type PullCacheSettings,
} from '../../source/chunks/pull-cache.js';
import {VirtualClock} from '../../source/sim/clock.js';
import {Random} from '../../source/sim/random.js';

const MB = 1 << 20;

/** Holdings as a map of key → bytes, with a set of normal-place (pinned) keys. */
class MapHoldings implements ChunkHoldings {
	readonly chunks = new Map<string, number>();
	readonly home = new Set<string>();
	has(key: string) {
		return this.chunks.has(key);
	}

	bytes(key: string) {
		return this.chunks.get(key) ?? 0;
	}

	pinned(key: string) {
		return this.home.has(key);
	}

	keys() {
		return this.chunks.keys();
	}

	drop(key: string) {
		if (!this.home.has(key)) this.chunks.delete(key);
	}
}

function setup(existing: Set<string>, diskChunks = 8) {
	const clock = new VirtualClock();
	const holdings = new MapHoldings();
	let pullRequests = 0;
	const settings: PullCacheSettings = {
		clock,
		budget: {
			uploadBytesPerSecond: 10 * MB,
			diskBytes: diskChunks * MB,
			keepFactor: 1,
			floorRate: 0.1,
		},
		popularity: {capacity: 64, halfLifeMs: 3_600_000},
		pullAfter: 3,
		chunkBytes: MB,
		async pull(chunkId, into) {
			pullRequests++;
			// The network answers after 200 ms: found only if the chunk exists somewhere.
			await new Promise<void>((resolve) => {
				clock.setTimer(200, resolve);
			});
			const key = keyOf(chunkId);
			if (!existing.has(key)) return undefined;
			(into as MapHoldings).chunks.set(key, MB);
			return MB;
		},
	};
	const cache = new PullCache(settings, new Random(41).bytes(20), holdings);
	return {clock, holdings, cache, pulls: () => pullRequests};
}

test('a chunk asked for often enough is pulled, then served with its rate', async (t) => {
	const id = new Random(42).bytes(20);
	const {clock, holdings, cache} = setup(new Set([keyOf(id)]));
	t.deepEqual(cache.query(id, 1), {held: false, rate: 0});
	cache.query(id, 2);
	t.is(cache.query(id, 3).held, false, 'the third query starts the pull');
	await clock.run();
	t.true(holdings.has(keyOf(id)));
	const answer = cache.query(id, 4);
	t.true(answer.held);
	t.true(answer.rate > 0, 'the tentative queries count once the chunk is found');
	t.is(cache.pulls, 1);
});

test('a flood of queries for missing chunks caches nothing and remembers nothing', async (t) => {
	const random = new Random(43);
	const {clock, holdings, cache, pulls} = setup(new Set());
	const ids = Array.from({length: 500}, () => random.bytes(20));
	for (let round = 0; round < 3; round++) for (const id of ids) cache.query(id, round);
	await clock.run();
	t.true(pulls() > 0, 'the flood did trigger pulls');
	t.is(cache.failedPulls, cache.pulls);
	t.is(holdings.chunks.size, 0);
	t.true(cache.popularity.size <= 64, 'bounded');
	for (const id of ids) t.is(cache.popularity.rate(keyOf(id), clock.now()), 0);
	const leftovers = ids.filter((id) => cache.popularity.has(keyOf(id))).length;
	t.true(leftovers < 64, `${leftovers} flood ids still tracked`);
});

test('a flood does not displace a popular chunk that is held', async (t) => {
	const random = new Random(44);
	const hot = random.bytes(20);
	const {clock, holdings, cache} = setup(new Set([keyOf(hot)]));
	holdings.chunks.set(keyOf(hot), MB);
	for (let i = 0; i < 20; i++) cache.query(hot, i);
	for (let i = 0; i < 2000; i++) cache.query(random.bytes(20), i);
	await clock.run();
	t.true(holdings.has(keyOf(hot)));
	t.true(cache.query(hot, 0).held);
	t.true(cache.popularity.rate(keyOf(hot), clock.now()) > 0);
});

test('normal-place chunks are served however rarely they are asked for', (t) => {
	const id = new Random(45).bytes(20);
	const {holdings, cache} = setup(new Set());
	holdings.chunks.set(keyOf(id), MB);
	holdings.home.add(keyOf(id));
	const answer = cache.query(id, 1);
	t.true(answer.held);
	t.true(answer.rate > 0);
});

test('when the disk is full the least popular cached chunk is dropped', async (t) => {
	const random = new Random(46);
	const ids = Array.from({length: 3}, () => random.bytes(20));
	const {clock, holdings, cache} = setup(new Set(ids.map((id) => keyOf(id))), 2);
	// Three chunks become popular in turn, the last one the most.
	for (const [i, id] of ids.entries()) {
		for (let q = 0; q < 3 + i * 3; q++) cache.query(id, q);
		await clock.run();
	}

	t.is(holdings.chunks.size, 2);
	t.false(holdings.has(keyOf(ids[0])), 'the least asked-for chunk went');
	t.true(holdings.has(keyOf(ids[2])));
});
