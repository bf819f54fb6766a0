/**
 * `npm run sim -- --nodes N --chunks C --lookups L --zipf S [--json]`: chunk search with pull
 * caching on a simulated network (source/sim), every node running the real DHT code. Prints a
 * table per popularity decile; with --json the last line is one JSON object.
 * A million nodes needs NODE_OPTIONS=--max-old-space-size=6144 (the tables themselves live
 * outside the JS heap, but the per-node objects of touched nodes do not).
 */
import {parseArgs} from 'node:util';
import {
	type ChunkScenarioOptions,
	DEFAULT_SCENARIO,
	runChunkScenario,
} from '../source/sim/chunk-scenario.js';

// `--market`: the incentive simulation (bench/market-sim-cli.ts, docs/economics.md) instead.
if (process.argv.includes('--market')) {
	const {marketSimCli} = await import('./market-sim-cli.js');
	await marketSimCli(process.argv.slice(2));
	process.exit();
}

const numeric: Array<[string, keyof ChunkScenarioOptions]> = [
	['nodes', 'nodes'],
	['chunks', 'chunks'],
	['lookups', 'lookups'],
	['warmup', 'warmup'],
	['zipf', 'zipf'],
	['churn', 'churn'],
	['seed', 'seed'],
	['latency', 'latencyMs'],
	['k', 'k'],
	['alpha', 'alpha'],
	['paths', 'paths'],
	['want', 'chunkWant'],
	['replicas', 'replicas'],
	['rate', 'rate'],
	['pull-after', 'pullAfter'],
	['cache-chunks', 'cacheChunks'],
	['slow', 'slowMs'],
	['timeout', 'requestTimeoutMs'],
];

const {values: parsed} = parseArgs({
	options: {
		...Object.fromEntries(numeric.map(([flag]) => [flag, {type: 'string' as const}])),
		'no-cache': {type: 'boolean'},
		'push-refs': {type: 'boolean'},
		json: {type: 'boolean'},
		help: {type: 'boolean'},
	},
	strict: true,
});
const values = parsed as Record<string, string | boolean | undefined>;

if (values['help']) {
	console.log(`usage: npm run sim -- [--nodes N] [--chunks C] [--lookups L] [--warmup W] [--zipf S]
  [--latency MS] [--churn F] [--alpha A] [--k K] [--paths D] [--want W] [--replicas R]
  [--rate PER_S] [--pull-after Q] [--cache-chunks N] [--no-cache] [--push-refs] [--seed X] [--json]
The warm-up defaults to one popularity half-life of searches at --rate (360,000 at 100/s):
measured searches then meet the caches in their steady state.
defaults: ${JSON.stringify(DEFAULT_SCENARIO)}`);
	process.exit(0);
}

const options: Partial<ChunkScenarioOptions> = {};
for (const [flag, key] of numeric) {
	const raw = values[flag] as string | undefined;
	if (raw === undefined) continue;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < 0) {
		console.error(`--${flag} must be a non-negative number`);
		process.exit(2);
	}

	(options as Record<string, number>)[key] = value;
}

if (values['no-cache']) options.caching = false;
if (values['push-refs']) options.pushReferences = true;

const report = await runChunkScenario(options, (message) => {
	console.error(`# ${message}`);
});

const cell = (value: number) => (Number.isNaN(value) ? '-' : String(value));
console.log(
	`${report.nodes} nodes, ${report.chunks} chunks, ${report.lookups} searches (+${report.warmup} warm-up), zipf ${report.zipf}, churn ${report.churn}, k ${report.k}, α ${report.alpha}, replicas ${report.replicas}, caching ${report.caching ? 'on' : 'off'}`,
);
console.log('decile  searches  hops med/p99  ms med/p99    bytes/MB found  failed');
for (const d of report.deciles) {
	console.log(
		[
			String(d.decile).padEnd(6),
			String(d.lookups).padStart(8),
			`${cell(d.medianHops)}/${cell(d.p99Hops)}`.padStart(13),
			`${cell(d.medianMs)}/${cell(d.p99Ms)}`.padStart(12),
			cell(d.searchBytesPerMB).padStart(17),
			`${(d.failureShare * 100).toFixed(2)}%`.padStart(8),
		].join('  '),
	);
}

console.log(
	`rare (decile 9): hops ${report.rare.medianHops}/${report.rare.p99Hops}; top 1%: hops ${report.top1pct.medianHops}/${report.top1pct.p99Hops} (mean ${report.top1pct.meanHops}, ${(report.top1pct.withinOneHop * 100).toFixed(1)}% within one round)`,
);
console.log(
	`overhead ${(report.overheadRatio * 100).toFixed(3)}% of bytes fetched, success ${(report.successRate * 100).toFixed(2)}%, ${report.requestsPerLookup} requests and ${report.timeoutsPerLookup} timeouts per search`,
);
console.log(
	`cache: ${report.cache.pulls} pulls (${report.cache.failedPulls} failed), ${report.cache.copies} copies held, overhead with pulls ${(report.cache.overheadRatioWithPulls * 100).toFixed(3)}%`,
);
console.log(
	`build ${report.buildMs} ms, run ${report.runMs} ms (warm-up ${report.warmupMs} ms, measured searches ${report.measureMs} ms; ${report.virtualSeconds} s virtual), ${report.contactsPerNode} contacts/node, tables ${report.tableMB} MB, ${report.nodesTouched} nodes touched, peak RSS ${report.peakRssMB} MB`,
);
if (values['json']) console.log(JSON.stringify(report));
