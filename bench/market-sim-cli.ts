/**
 * `npm run sim -- --market [--nodes N] [--requests R] … [--json]` (or `npm run sim:market`):
 * the incentive simulation of docs/economics.md; prints a table, and with --json the last line is
 * one JSON object.
 */
import {parseArgs} from 'node:util';
import {isTornetError} from '../source/errors.js';
import {DEFAULT_MARKET_SCENARIO, type MarketScenarioOptions} from './market-scenario.js';
import {runMarketScenario} from './market-sim.js';

const numeric: Array<keyof MarketScenarioOptions> = [
	'nodes',
	'chunks',
	'requests',
	'zipf',
	'seed',
	'freeRiders',
	'whitewashers',
	'replicas',
	'cacheChunks',
	'chunkBytes',
	'lineBytesPerRank',
	'lineBits',
	'minRank',
	'rankSpread',
	'rate',
	'uploadBytesPerSecond',
	'maxQueueMs',
	'lookupRequests',
	'allowancePerSecond',
	'openingLinePermille',
	'strangerSharePermille',
	'attackerDemand',
	'nearShare',
	'nearBits',
	'whitewashAfter',
	'hashesPerSecond',
];
const flag = (key: string) => key.replaceAll(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export async function marketSimCli(argv: string[]): Promise<void> {
	const {values} = parseArgs({
		args: argv,
		options: {
			...Object.fromEntries(numeric.map((key) => [flag(key), {type: 'string' as const}])),
			'no-reciprocal': {type: 'boolean'},
			'attackers-sign': {type: 'boolean'},
			market: {type: 'boolean'},
			json: {type: 'boolean'},
			help: {type: 'boolean'},
		},
		strict: true,
	});
	if (values.help) {
		console.log(`usage: npm run sim -- --market ${numeric.map((key) => `[--${flag(key)} X]`).join(' ')} [--no-reciprocal] [--attackers-sign] [--json]
defaults: ${JSON.stringify(DEFAULT_MARKET_SCENARIO)}`);
		return;
	}

	const options: Partial<MarketScenarioOptions> = {};
	for (const key of numeric) {
		const raw = (values as Record<string, unknown>)[flag(key)];
		if (raw === undefined) continue;
		const value = Number(raw);
		if (!Number.isFinite(value) || value < 0)
			throw new Error(`--${flag(key)} must be a non-negative number`);
		(options as Record<string, number>)[key] = value;
	}

	if (values['no-reciprocal']) options.allowanceReciprocal = false;
	if (values['attackers-sign']) options.attackersSign = true;
	const r = await runMarketScenario(options, (message) => {
		console.error(`# ${message}`);
	});
	console.log(
		`${r.nodes} nodes (10% free riders, 5% whitewashers by default), ${r.chunks} chunks, ${r.requests} requests, zipf ${r.zipf}, ${r.virtualSeconds} s virtual; line ${r.lineMBPerRank} MB × rank; allowance ${r.allowancePerSecond}/s ${r.allowanceReciprocal ? 'reciprocal' : 'for all'}`,
	);
	console.log('role          nodes  requests  served  failed  down MB/node  up MB/node');
	for (const [name, role] of Object.entries(r.roles)) {
		console.log(
			[
				name.padEnd(12),
				String(role.nodes).padStart(5),
				String(role.requests).padStart(9),
				String(role.served).padStart(7),
				String(role.failed).padStart(7),
				String(role.downloadedMBPerNode).padStart(13),
				String(role.uploadedMBPerNode).padStart(11),
			].join(' '),
		);
	}

	console.log(
		`honest download/upload: median ${r.honestRatioMedian} (p10 ${r.honestRatioP10}, p90 ${r.honestRatioP90}); ${r.honestWithoutUpload} honest nodes uploaded nothing`,
	);
	console.log(
		`honest aggregate down/up ${r.honestRatioAggregate}; ${(r.honestUploadToAttackersShare * 100).toFixed(1)}% of honest upload went to attackers; between honest nodes: median ${r.honestRatioBetweenHonestMedian} (p10 ${r.honestRatioBetweenHonestP10}, p90 ${r.honestRatioBetweenHonestP90})`,
	);
	console.log(
		`attackers: at most ${r.freeRiderMaxLinesPerIdentity} lines per identity and creditor (median ${r.freeRiderMedianLinesPerPair}); summed over ${r.attackerCreditorsPerIdentity} creditors, ${r.attackerLinesPerIdentityMedian} lines per identity (max ${r.attackerLinesPerIdentityMax}); ${r.attackerMegacredits} Mcredits taken, ${r.attackerForgivenMegacredits} of them forgiven`,
	);
	console.log(
		`whitewashing: ${r.whitewashIdentities} identities at ${r.whitewashCostSeconds} s of proof of work each (${r.hashesPerSecond} hashes/s; ${r.hashesPerSecondMeasuredNow} measured now), ${r.whitewashMBPerIdentity} MB per identity`,
	);
	console.log(
		`served per quarter of the run: attackers ${r.attackerSuccessByQuarter.join(' / ')}, honest ${r.honestSuccessByQuarter.join(' / ')}`,
	);
	console.log(
		`settled (Mcredits): ${JSON.stringify(r.settledMegacredits)}, ${(r.settledShareOfHonestTrade * 100).toFixed(1)}% of honest trade`,
	);
	console.log(
		`near-id caching: ${JSON.stringify(r.near)}; cache anything: ${JSON.stringify(r.any)}`,
	);
	console.log(`served from: ${JSON.stringify(r.servedFrom)}`);
	console.log(`wall ${r.wallMs} ms, peak RSS ${r.peakRssMB} MB`);
	if (values.json) console.log(JSON.stringify(r));
}

if (process.argv[1]?.endsWith('market-sim-cli.ts')) {
	try {
		await marketSimCli(process.argv.slice(2));
	} catch (error) {
		console.error(isTornetError(error) ? error.message : error);
		process.exitCode = 2;
	}
}
