import test from 'ava';
import {FIND_CHUNK_REQUEST_BYTES} from '../../source/dht/messages.js';
import {runChunkScenario} from '../../source/sim/chunk-scenario.js';
import {REQUEST_OVERHEAD} from '../../source/sim/network.js';

const small = {
	nodes: 3000,
	chunks: 300,
	lookups: 3000,
	warmup: 3000,
	zipf: 1,
	churn: 0.1,
	seed: 61,
};

test('pull caching makes popular chunks found in fewer hops than rare ones', async (t) => {
	const cached = await runChunkScenario(small);
	const baseline = await runChunkScenario({...small, caching: false});
	t.log(
		`top 1%: mean hops ${cached.top1pct.meanHops} with caching, ${baseline.top1pct.meanHops} without; rare: ${cached.rare.meanHops}`,
	);
	t.true(cached.successRate >= 0.99, `success ${cached.successRate}`);
	t.true(cached.cache.pulls > 0 && cached.cache.failedPulls === 0);
	t.true(
		cached.top1pct.meanHops < cached.rare.meanHops,
		'popular chunks are found earlier than rare ones',
	);
	t.true(cached.top1pct.meanHops < baseline.top1pct.meanHops, 'because of the caches');
	t.is(baseline.cache.pulls, 0);
	t.true(
		Math.abs(baseline.top1pct.meanHops - baseline.rare.meanHops) < 0.5,
		'without caching popularity does not matter',
	);
	t.true(
		cached.deciles[0].lookups > cached.deciles[9].lookups,
		'Zipf: the top decile gets most searches',
	);
});

test('search traffic is metered at its encoded size and stays a small share of the chunk bytes', async (t) => {
	const report = await runChunkScenario({...small, lookups: 1000, warmup: 0});
	t.true(
		report.overheadRatio > 0 && report.overheadRatio < 0.01,
		`overhead ${report.overheadRatio}`,
	);
	t.true(report.requestsPerLookup >= 1);
	const bytesPerSearch = report.overheadRatio * (1 << 20) * report.successRate;
	// Each request is at least its 21-byte payload plus the packet overhead.
	t.true(
		bytesPerSearch >= report.requestsPerLookup * (FIND_CHUNK_REQUEST_BYTES + REQUEST_OVERHEAD),
		`${bytesPerSearch} bytes per search`,
	);
});

test('the default warm-up is one popularity half-life of searches, and it brings popular chunks into round 1', async (t) => {
	const network = {nodes: 2000, chunks: 200, lookups: 1000, zipf: 1, churn: 0.1, seed: 62};
	const steady = await runChunkScenario({...network, rate: 10, halfLifeMs: 600_000});
	t.is(steady.warmup, 6000, '10 searches a second for 600 s');
	const cold = await runChunkScenario({...network, rate: 10, halfLifeMs: 600_000, warmup: 0});
	t.log(
		`top 1% found in round 1: ${steady.top1pct.withinOneHop} in steady state, ${cold.top1pct.withinOneHop} cold`,
	);
	t.true(steady.top1pct.withinOneHop > cold.top1pct.withinOneHop);
	t.true(steady.cache.copies > cold.cache.copies);
});
