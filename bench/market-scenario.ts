/**
 * The incentive experiment behind `npm run sim -- --market`: N nodes, each with a real Market
 * (source/market: pricing, ledger, credit lines, allowance and cheque rails) on a Map-backed
 * store, trading chunks under Zipf demand. Honest nodes serve, cache and settle; free riders
 * download and never serve or pay; whitewashers do the same and take a new identity (paying its
 * proof of work) once nobody serves them any more. Only the network is modelled: a search asks a
 * chunk's normal-place nodes (paying their lookup fee) and learns every holder at once.
 */
import sodium from 'sodium-native';
import {isTornetError} from '../source/errors.js';
import {type Identity, keyPairFromSeed, makeIdentity} from '../source/identity/keys.js';
import {paymentDetails} from '../source/market/credit-line.js';
import {directLink, peerOf} from '../source/market/direct-link.js';
import {MemoryStore} from '../source/market/ledger-store.js';
import {Market} from '../source/market/market.js';
import {DEFAULT_MARKET_SETTINGS, type MarketSettings} from '../source/market/settings.js';
import {Random, Zipf} from '../source/sim/random.js';

export type MarketScenarioOptions = {
	nodes: number;
	chunks: number;
	requests: number;
	zipf: number;
	seed: number;
	freeRiders: number;
	whitewashers: number;
	/** Nodes holding each chunk at its normal place (closest ids). */
	replicas: number;
	cacheChunks: number;
	chunkBytes: number;
	/** The line per rank, scaled down from 100 MB so lines bind within a short run. */
	lineBytesPerRank: number;
	lineBits: number;
	minRank: number;
	/** Honest and free-rider ranks are minRank + 0…rankSpread. */
	rankSpread: number;
	/** Requests per second, network-wide (Poisson). */
	rate: number;
	uploadBytesPerSecond: number;
	/** A holder with more than this queued is skipped. */
	maxQueueMs: number;
	/** Normal-place nodes asked (and paid a lookup fee) per search. */
	lookupRequests: number;
	allowancePerSecond: number;
	allowanceReciprocal: boolean;
	/** A stranger's opening line in ‰ of the full line (1000: the original, full at once). */
	openingLinePermille: number;
	/** All strangers together may owe a node one opening line plus this share (‰) of its sales. */
	strangerSharePermille: number;
	/** Free riders and whitewashers make this many times as many requests as honest nodes. */
	attackerDemand: number;
	/**
	 * Attackers sign cheques when refused (IOUs they never honour) instead of only taking what is
	 * free: the strongest free rider, since a cheque costs the signer nothing.
	 */
	attackersSign: boolean;
	/** Share of honest nodes that cache only chunks near their id. */
	nearShare: number;
	/** "Near": the chunk shares at least this many leading bits with the node's id. */
	nearBits: number;
	/** A whitewasher refused this many requests in a row takes a new identity. */
	whitewashAfter: number;
	/** SHA-256 evaluations per second per core: docs/performance.md's 1.95–2.29 M (0: measure now). */
	hashesPerSecond: number;
};

export const DEFAULT_MARKET_SCENARIO: MarketScenarioOptions = {
	nodes: 1000,
	chunks: 5000,
	requests: 50_000,
	zipf: 1,
	seed: 1,
	freeRiders: 0.1,
	whitewashers: 0.05,
	replicas: 5,
	cacheChunks: 20,
	chunkBytes: 1 << 20,
	lineBytesPerRank: 1 << 16,
	lineBits: 16,
	minRank: 20,
	rankSpread: 4,
	rate: 50,
	uploadBytesPerSecond: 1 << 20,
	maxQueueMs: 2000,
	lookupRequests: 3,
	allowancePerSecond: 262_144,
	allowanceReciprocal: true,
	// The node's defaults, so the simulation measures what ships.
	openingLinePermille: DEFAULT_MARKET_SETTINGS.openingLinePermille,
	strangerSharePermille: DEFAULT_MARKET_SETTINGS.strangerSharePermille,
	attackerDemand: 1,
	attackersSign: false,
	nearShare: 0.5,
	nearBits: 2,
	whitewashAfter: 3,
	hashesPerSecond: 2_000_000,
};

type Role = 'honest' | 'free-rider' | 'whitewasher';

export type SimNode = {
	index: number;
	role: Role;
	near: boolean;
	identity: Identity;
	market: Market;
	cache: number[];
	/** Attackers keep what they downloaded (and serve none of it). */
	kept: Set<number>;
	up: number;
	/** Of `up`, what went to honest nodes (the rest went to free riders and whitewashers). */
	upToHonest: number;
	down: number;
	busyUntil: number;
	earned: bigint;
	refusedInARow: number;
	/** Whitewashers: identities used (1 + new ones). */
	identities: number;
};

export type ScenarioState = {
	options: MarketScenarioOptions;
	random: Random;
	nodes: SimNode[];
	chunkIds: Buffer[];
	replicasOf: number[][];
	holders: Array<Set<number>>;
	/** Every attacker identity ever used: hex id → its rank. */
	attackers: Map<string, number>;
	now: number;
	/** Which quarter of the run is going (0–3), for figures over time. */
	quarter: number;
	counters: Record<string, number>;
	settled: Record<'allowance' | 'cheque' | 'bitcoin', bigint>;
	/** Credits and bytes served, by where the chunk came from. */
	servedFrom: Record<'replica' | 'near-cache' | 'far-cache', {credits: bigint; bytes: number}>;
};

export function measureHashRate(ms = 300): number {
	const input = Buffer.alloc(40, 7);
	const out = Buffer.alloc(32);
	let count = 0;
	const started = performance.now();
	while (performance.now() - started < ms) {
		for (let i = 0; i < 1000; i++) {
			input.writeUInt32BE(count + i, 32);
			sodium.crypto_hash_sha256(out, input);
		}

		count += 1000;
	}

	return count / ((performance.now() - started) / 1000);
}

function sharedBits(a: Uint8Array, b: Uint8Array): number {
	for (let i = 0; i < 20; i++) {
		const x = a[i] ^ b[i];
		if (x !== 0) return i * 8 + Math.clz32(x) - 24;
	}

	return 160;
}

export function newMarket(state: ScenarioState, identity: Identity): Market {
	const o = state.options;
	const settings: Partial<MarketSettings> = {
		lineBytesPerRank: o.lineBytesPerRank,
		lineBits: o.lineBits,
		allowancePerSecond: BigInt(o.allowancePerSecond),
		allowanceReciprocal: o.allowanceReciprocal,
		openingLinePermille: o.openingLinePermille,
		strangerSharePermille: o.strangerSharePermille,
		maxEventsPerPeer: 2,
		chequesPerMinute: 6000,
	};
	return new Market({identity, store: new MemoryStore(), settings, now: () => state.now});
}

export function newIdentity(random: Random, rank: number): Identity {
	// The rank is modelled (its proof of work is counted, not searched); keys are real, and drawn
	// from the run's seed so that a run can be repeated exactly.
	return makeIdentity(keyPairFromSeed(random.bytes(32)), Buffer.alloc(8), rank);
}

export function buildScenario(options: MarketScenarioOptions): ScenarioState {
	const random = new Random(options.seed);
	const state = {
		options,
		random,
		nodes: [] as SimNode[],
		chunkIds: [] as Buffer[],
		replicasOf: [] as number[][],
		holders: [] as Array<Set<number>>,
		attackers: new Map<string, number>(),
		now: 0,
		quarter: 0,
		counters: {} as Record<string, number>,
		settled: {allowance: 0n, cheque: 0n, bitcoin: 0n},
		servedFrom: {
			replica: {credits: 0n, bytes: 0},
			'near-cache': {credits: 0n, bytes: 0},
			'far-cache': {credits: 0n, bytes: 0},
		},
	} satisfies ScenarioState;
	const freeRiders = Math.round(options.nodes * options.freeRiders);
	const whitewashers = Math.round(options.nodes * options.whitewashers);
	let honest = 0;
	for (let index = 0; index < options.nodes; index++) {
		const role: Role =
			index < freeRiders
				? 'free-rider'
				: index < freeRiders + whitewashers
					? 'whitewasher'
					: 'honest';
		const rank =
			role === 'whitewasher'
				? options.minRank
				: options.minRank + random.int(options.rankSpread + 1);
		const identity = newIdentity(random, rank);
		if (role !== 'honest') state.attackers.set(identity.id.toString('hex'), rank);
		const near =
			role === 'honest' && honest++ % Math.round(1 / Math.max(options.nearShare, 1e-9)) === 0;
		state.nodes.push({
			index,
			role,
			near: options.nearShare > 0 && near,
			identity,
			market: newMarket(state, identity),
			cache: [],
			kept: new Set(),
			up: 0,
			upToHonest: 0,
			down: 0,
			busyUntil: 0,
			earned: 0n,
			refusedInARow: 0,
			identities: 1,
		});
	}

	// Roles are spread over the id space: shuffle which node holds which role's slot.
	for (let i = state.nodes.length - 1; i > 0; i--) {
		const j = random.int(i + 1);
		[state.nodes[i], state.nodes[j]] = [state.nodes[j], state.nodes[i]];
	}

	state.nodes.forEach((node, index) => {
		node.index = index;
	});
	const prefixes = state.nodes.map((node) => node.identity.id.readUInt32BE(0));
	for (let c = 0; c < options.chunks; c++) {
		const id = random.bytes(20);
		state.chunkIds.push(id);
		const key = id.readUInt32BE(0);
		const closest = prefixes
			.map((prefix, index) => ({index, distance: (prefix ^ key) >>> 0}))
			.sort((a, b) => a.distance - b.distance)
			.slice(0, options.replicas)
			.map((entry) => entry.index);
		state.replicasOf.push(closest);
		state.holders.push(new Set(closest));
	}

	return state;
}

const count = (state: ScenarioState, name: string, by = 1) => {
	state.counters[name] = (state.counters[name] ?? 0) + by;
};

/**
 * The client settles with a creditor that refused it, for at least what the refused request
 * needs (`shortfall`: over the line by that much, in flight included); false when it will not
 * or cannot. Honest nodes take the allowance, then sign a cheque (paying ahead when they owe
 * less than the shortfall), then pay in bitcoin; attackers take only what is free (and sign
 * cheques they never honour with `attackersSign`).
 */
async function settleWith(
	state: ScenarioState,
	client: SimNode,
	creditor: SimNode,
	shortfall: bigint,
	rails: readonly string[],
): Promise<boolean> {
	const link = directLink(creditor.market, client.identity);
	const hex = creditor.identity.id.toString('hex');
	let covered = 0n;
	const attempt = async (rail: 'allowance' | 'cheque', amount?: bigint) => {
		try {
			const result = await client.market.settle(link, rail, amount);
			state.settled[rail] += result.amount;
			covered += result.amount;
		} catch (error) {
			if (!isTornetError(error)) throw error;
		}
	};

	if (rails.includes('allowance') && (await client.market.ledger.account(hex)).balance < 0n)
		await attempt('allowance');
	if (covered >= shortfall) return true;
	if (rails.includes('cheque') && (client.role === 'honest' || state.options.attackersSign))
		await attempt('cheque', shortfall - covered);
	if (client.role !== 'honest') return covered > 0n;
	if (covered >= shortfall) return true;
	// Past the cheque limit an honest node pays in bitcoin: modelled as the rail's two events.
	const amount = shortfall - covered;
	const id = `btc-sim-${state.counters['bitcoin'] ?? 0}`;
	count(state, 'bitcoin');
	const payer = client.identity.id.toString('hex');
	await creditor.market.ledger.apply(payer, {id, kind: 'settled-in', amount, rail: 'bitcoin'});
	await client.market.ledger.apply(hex, {id, kind: 'settled-out', amount, rail: 'bitcoin'});
	state.settled.bitcoin += amount;
	return true;
}

/** One paid service from `server` to `client`; false when refused. */
export async function serve(
	state: ScenarioState,
	client: SimNode,
	server: SimNode,
	chunk?: number,
): Promise<bigint | undefined> {
	const eventId = `x${(state.counters['events'] = (state.counters['events'] ?? 0) + 1)}`;
	const request =
		chunk === undefined
			? ({eventId, reason: 'lookup'} as const)
			: ({
					eventId,
					reason: 'chunk',
					chunkId: state.chunkIds[chunk],
					bytes: state.options.chunkBytes,
				} as const);
	const peer = peerOf(client.identity);
	let reservation;
	for (let attempt = 0; ; attempt++) {
		try {
			reservation = await server.market.prepareServe(peer, request);
			break;
		} catch (error) {
			const details = paymentDetails(error);
			if (!details) throw error;
			count(state, chunk === undefined ? 'lookupRefusals' : 'chunkRefusals');
			if (/have not served us/.test((error as Error).message)) count(state, 'strangerRefusals');
			const shortfall = details.owed + details.price - details.line;
			// Two tries: a refusal by the peer's own line, then one by the strangers' budget.
			if (attempt > 1 || !(await settleWith(state, client, server, shortfall, details.rails)))
				return undefined;
		}
	}

	const hex = server.identity.id.toString('hex');
	await client.market.ledger.apply(hex, {
		id: eventId,
		kind: 'used',
		amount: reservation.amount,
		reason: request.reason,
	});
	await server.market.commit(reservation, {reason: request.reason});
	return reservation.amount;
}

export function holdsLocally(state: ScenarioState, node: SimNode, chunk: number): boolean {
	return (
		node.kept.has(chunk) ||
		node.cache.includes(chunk) ||
		state.replicasOf[chunk].includes(node.index)
	);
}

export function cache(state: ScenarioState, node: SimNode, chunk: number): void {
	if (node.role !== 'honest') {
		node.kept.add(chunk);
		return;
	}

	if (node.near && sharedBits(node.identity.id, state.chunkIds[chunk]) < state.options.nearBits)
		return;
	node.cache.push(chunk);
	state.holders[chunk].add(node.index);
	if (node.cache.length > state.options.cacheChunks) {
		const dropped = node.cache.shift()!;
		if (!state.replicasOf[dropped].includes(node.index)) state.holders[dropped].delete(node.index);
	}
}

export function sourceOf(state: ScenarioState, server: SimNode, chunk: number) {
	if (state.replicasOf[chunk].includes(server.index)) return 'replica' as const;
	return sharedBits(server.identity.id, state.chunkIds[chunk]) >= state.options.nearBits
		? ('near-cache' as const)
		: ('far-cache' as const);
}

export {sharedBits, Zipf};
