/**
 * The incentive simulation of docs/economics.md: every node runs the real market code
 * (bench/market-scenario.ts builds the world); this runs the demand and measures the outcome.
 * The command line is bench/market-sim-cli.ts.
 */
import {percentile, round} from '../source/sim/stats.js';
import {
	buildScenario,
	cache,
	DEFAULT_MARKET_SCENARIO,
	holdsLocally,
	measureHashRate,
	type MarketScenarioOptions,
	newIdentity,
	newMarket,
	type ScenarioState,
	serve,
	type SimNode,
	sourceOf,
	Zipf,
} from './market-scenario.js';

const MB = 1 << 20;

/** A stable pseudo round-trip time between two nodes (0–96), for breaking price ties. */
function latency(a: SimNode, b: SimNode): number {
	return ((a.identity.id.readUInt32BE(16) ^ b.identity.id.readUInt32BE(16)) >>> 0) % 97;
}

async function request(state: ScenarioState, zipf: Zipf, node: SimNode): Promise<void> {
	const {options: o, nodes, random} = state;
	const chunk = zipf.sample(random);
	const role = node.role;
	const bump = (name: string) => {
		state.counters[name] = (state.counters[name] ?? 0) + 1;
	};

	bump(`${role}:requests`);
	if (holdsLocally(state, node, chunk)) {
		state.counters['localHits'] = (state.counters['localHits'] ?? 0) + 1;
		return;
	}

	const group = role === 'honest' ? 'honest' : 'attacker';
	bump(`${group}:requests:${state.quarter}`);
	// The search: the chunk's normal-place nodes answer (and charge) lookups.
	let asked = 0;
	for (const index of state.replicasOf[chunk]) {
		if (asked >= o.lookupRequests) break;
		if (index === node.index || nodes[index].role !== 'honest') continue;
		asked++;
		await serve(state, node, nodes[index]);
	}

	// Cheapest holder first (the original's incentive to fetch far-away cached copies), then the
	// one with the shortest round trip: each node has its favourite holders, as a real one would.
	const chunkId = state.chunkIds[chunk];
	const candidates = [...state.holders[chunk]]
		.filter((index) => index !== node.index && nodes[index].role === 'honest')
		.filter((index) => nodes[index].busyUntil - state.now <= o.maxQueueMs)
		.map((index) => ({
			index,
			price: node.market.transferPrice(o.chunkBytes, nodes[index].identity.id, chunkId),
		}))
		.sort((a, b) =>
			a.price < b.price
				? -1
				: a.price > b.price
					? 1
					: latency(node, nodes[a.index]) - latency(node, nodes[b.index]),
		)
		.slice(0, 8);
	for (const {index} of candidates) {
		const server = nodes[index];
		const amount = await serve(state, node, server, chunk);
		if (amount === undefined) continue;
		server.up += o.chunkBytes;
		if (role === 'honest') server.upToHonest += o.chunkBytes;
		node.down += o.chunkBytes;
		server.busyUntil =
			Math.max(server.busyUntil, state.now) + (o.chunkBytes / o.uploadBytesPerSecond) * 1000;
		server.earned += amount;
		const from = state.servedFrom[sourceOf(state, server, chunk)];
		from.credits += amount;
		from.bytes += o.chunkBytes;
		bump(`${role}:served`);
		bump(`${group}:served:${state.quarter}`);
		node.refusedInARow = 0;
		cache(state, node, chunk);
		return;
	}

	bump(`${role}:failed`);
	node.refusedInARow++;
	if (role === 'whitewasher' && node.refusedInARow >= o.whitewashAfter) {
		node.identity = newIdentity(state.random, o.minRank);
		node.market = newMarket(state, node.identity);
		state.attackers.set(node.identity.id.toString('hex'), o.minRank);
		node.identities++;
		node.refusedInARow = 0;
	}
}

export async function runMarketScenario(
	change: Partial<MarketScenarioOptions> = {},
	log = (_: string) => {},
) {
	const options = {...DEFAULT_MARKET_SCENARIO, ...change};
	const measuredHashes = measureHashRate();
	const hashesPerSecond = options.hashesPerSecond || measuredHashes;
	const started = performance.now();
	const state = buildScenario(options);
	log(
		`built ${options.nodes} nodes and ${options.chunks} chunks in ${Math.round(performance.now() - started)} ms`,
	);
	const zipf = new Zipf(options.chunks, options.zipf);
	const honest = state.nodes.filter((node) => node.role === 'honest');
	const attackers = state.nodes.filter((node) => node.role !== 'honest');
	const attackerShare =
		(attackers.length * options.attackerDemand) /
		(honest.length + attackers.length * options.attackerDemand);
	for (let i = 0; i < options.requests; i++) {
		state.now += state.random.exponential(1000 / options.rate);
		state.quarter = Math.min(3, Math.floor((4 * i) / options.requests));
		const group = state.random.next() < attackerShare ? attackers : honest;
		await request(state, zipf, group[state.random.int(group.length)]);
		if ((i + 1) % 10_000 === 0)
			log(`${i + 1} requests, ${Math.round(performance.now() - started)} ms`);
	}

	return report(state, hashesPerSecond, measuredHashes, performance.now() - started);
}

async function report(
	state: ScenarioState,
	hashesPerSecond: number,
	measuredHashes: number,
	wallMs: number,
) {
	const {options: o, nodes, counters} = state;
	const honest = nodes.filter((node) => node.role === 'honest');
	const ratios = honest
		.filter((node) => node.up > 0)
		.map((node) => node.down / node.up)
		.sort((a, b) => a - b);
	// The same ratio with the upload to attackers left out: what honest nodes got back from each
	// other. Reported beside honestRatioMedian, never instead of it (docs/economics.md).
	const betweenHonest = honest
		.filter((node) => node.upToHonest > 0)
		.map((node) => node.down / node.upToHonest)
		.sort((a, b) => a - b);
	const honestUp = honest.reduce((sum, node) => sum + node.up, 0);
	const honestDown = honest.reduce((sum, node) => sum + node.down, 0);
	const honestUpToHonest = honest.reduce((sum, node) => sum + node.upToHonest, 0);
	const perRole = (role: SimNode['role']) => {
		const group = nodes.filter((node) => node.role === role);
		const requests = counters[`${role}:requests`] ?? 0;
		return {
			nodes: group.length,
			requests,
			served: counters[`${role}:served`] ?? 0,
			failed: counters[`${role}:failed`] ?? 0,
			downloadedMBPerNode: round(
				group.reduce((sum, node) => sum + node.down, 0) / MB / Math.max(1, group.length),
			),
			uploadedMBPerNode: round(
				group.reduce((sum, node) => sum + node.up, 0) / MB / Math.max(1, group.length),
			),
		};
	};

	// What each attacker identity got from each honest node, in lines of that node's credit.
	let maxLines = 0;
	let attackerCredits = 0n;
	let forgiven = 0n;
	const linesPerPair: number[] = [];
	const linesPerIdentity = new Map<string, number>();
	for (const node of honest) {
		for (const account of await node.market.ledger.accounts()) {
			const rank = state.attackers.get(account.peer);
			if (rank === undefined || account.sent === 0n) continue;
			const line = node.market.lineFor(rank);
			const lines = Number((account.sent * 10_000n) / line) / 10_000;
			linesPerPair.push(lines);
			linesPerIdentity.set(account.peer, (linesPerIdentity.get(account.peer) ?? 0) + lines);
			maxLines = Math.max(maxLines, lines);
			attackerCredits += account.sent;
			forgiven += account.settledIn;
		}
	}

	const whitewashers = nodes.filter((node) => node.role === 'whitewasher');
	const identities = whitewashers.reduce((sum, node) => sum + node.identities, 0);
	const powSeconds = 2 ** o.minRank / hashesPerSecond;
	const strategy = (near: boolean) => {
		const group = honest.filter((node) => node.near === near);
		const earned = group.reduce((sum, node) => sum + node.earned, 0n);
		const up = group.reduce((sum, node) => sum + node.up, 0);
		return {
			nodes: group.length,
			meanEarnedMegacredits: round(Number(earned / BigInt(Math.max(1, group.length))) / 1e6),
			meanUploadedMB: round(up / MB / Math.max(1, group.length)),
			creditsPerByte: round(Number(earned) / Math.max(1, up), 3),
		};
	};

	const from = Object.fromEntries(
		Object.entries(state.servedFrom).map(([name, value]) => [
			name,
			{
				MB: round(value.bytes / MB),
				creditsPerByte: round(Number(value.credits) / Math.max(1, value.bytes), 3),
			},
		]),
	);
	const tradedHonest = honest.reduce((sum, node) => sum + node.earned, 0n);
	linesPerPair.sort((a, b) => a - b);
	const totals = [...linesPerIdentity.values()].sort((a, b) => a - b);
	return {
		nodes: o.nodes,
		chunks: o.chunks,
		requests: o.requests,
		zipf: o.zipf,
		seed: o.seed,
		virtualSeconds: round(state.now / 1000),
		lineMBPerRank: round(o.lineBytesPerRank / MB, 3),
		allowancePerSecond: o.allowancePerSecond,
		allowanceReciprocal: o.allowanceReciprocal,
		attackersSign: o.attackersSign,
		openingLinePermille: o.openingLinePermille,
		strangerSharePermille: o.strangerSharePermille,
		honestRatioMedian: round(percentile(ratios, 0.5), 3),
		honestRatioP10: round(percentile(ratios, 0.1), 3),
		honestRatioP90: round(percentile(ratios, 0.9), 3),
		honestWithoutUpload: honest.length - ratios.length,
		honestRatioAggregate: round(honestDown / Math.max(1, honestUp), 3),
		honestUploadToAttackersShare: round(1 - honestUpToHonest / Math.max(1, honestUp), 3),
		honestRatioBetweenHonestMedian: round(percentile(betweenHonest, 0.5), 3),
		honestRatioBetweenHonestP10: round(percentile(betweenHonest, 0.1), 3),
		honestRatioBetweenHonestP90: round(percentile(betweenHonest, 0.9), 3),
		roles: {
			honest: perRole('honest'),
			freeRider: perRole('free-rider'),
			whitewasher: perRole('whitewasher'),
		},
		freeRiderMaxLinesPerIdentity: round(maxLines, 3),
		freeRiderMedianLinesPerPair: round(percentile(linesPerPair, 0.5), 3),
		/** Summed over all creditors: what one identity took from the whole network, in lines. */
		attackerLinesPerIdentityMedian: round(percentile(totals, 0.5), 2),
		attackerLinesPerIdentityMax: round(totals.at(-1) ?? 0, 2),
		attackerCreditorsPerIdentity: round(linesPerPair.length / Math.max(1, totals.length), 1),
		attackerMegacredits: round(Number(attackerCredits) / 1e6),
		attackerForgivenMegacredits: round(Number(forgiven) / 1e6),
		whitewashIdentities: identities,
		whitewashCostSeconds: round(powSeconds, 3),
		whitewashPowSecondsTotal: round(identities * powSeconds, 1),
		whitewashMBPerIdentity: round(
			whitewashers.reduce((sum, node) => sum + node.down, 0) / MB / Math.max(1, identities),
		),
		hashesPerSecond: Math.round(hashesPerSecond),
		hashesPerSecondMeasuredNow: Math.round(measuredHashes),
		attackerSuccessByQuarter: [0, 1, 2, 3].map((q) =>
			round(
				(counters[`attacker:served:${q}`] ?? 0) /
					Math.max(1, counters[`attacker:requests:${q}`] ?? 0),
				3,
			),
		),
		honestSuccessByQuarter: [0, 1, 2, 3].map((q) =>
			round(
				(counters[`honest:served:${q}`] ?? 0) / Math.max(1, counters[`honest:requests:${q}`] ?? 0),
				3,
			),
		),
		settledMegacredits: Object.fromEntries(
			Object.entries(state.settled).map(([rail, credits]) => [rail, round(Number(credits) / 1e6)]),
		),
		settledShareOfHonestTrade: round(
			Number(state.settled.allowance + state.settled.cheque + state.settled.bitcoin) /
				Math.max(1, Number(tradedHonest)),
			3,
		),
		near: strategy(true),
		any: strategy(false),
		servedFrom: from,
		refusals: {
			chunk: counters['chunkRefusals'] ?? 0,
			lookup: counters['lookupRefusals'] ?? 0,
			strangerBudget: counters['strangerRefusals'] ?? 0,
		},
		localHits: counters['localHits'] ?? 0,
		wallMs: Math.round(wallMs),
		peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
	};
}
