import type {
	FetchResult,
	NodeController,
	PublishResult,
	SettleResult,
	SnapshotListener,
} from '../../source/node/controller.js';
import type {CreditEntry, PeerStats, SettlementRail, Snapshot} from '../../source/node/snapshot.js';
import {TornetError} from '../../source/errors.js';

/** A hex id whose first eight digits are `prefix` repeated, so tests can name peers by it. */
export function hexId(prefix: string): string {
	return prefix.repeat(40).slice(0, 40);
}

export type SampleOptions = {peers?: number; chunks?: number; jobs?: boolean};

/** A deterministic snapshot: peer i has id (i as 2 hex digits) repeated, rates rising with i. */
export function sampleSnapshot(options: SampleOptions = {}): Snapshot {
	const peerCount = options.peers ?? 3;
	const chunkCount = options.chunks ?? 5;
	const peers: PeerStats[] = [];
	const credit: CreditEntry[] = [];
	const states: Array<PeerStats['state']> = ['connected', 'connected', 'handshaking', 'idle'];
	for (let i = 0; i < peerCount; i++) {
		const idHex = hexId((i + 0xa0).toString(16));
		peers.push({
			idHex,
			address: `10.0.0.${i + 1}:${4000 + i}`,
			rank: 8 + (i % 5),
			rttMs: i % 4 === 2 ? null : 10 + i * 3,
			upBps: 1000 * (i + 1),
			downBps: 2000 * (i + 1),
			state: states[i % states.length],
		});
		credit.push({
			peerIdHex: idHex,
			balance: (i % 2 === 0 ? 1 : -1) * 10_000_000 * (i + 1),
			creditLine: 100_000_000,
			settlement: i === 0 ? 'due' : 'none',
			rail: null,
		});
	}

	return {
		takenAtMs: 1_700_000_000_000,
		self: {
			idHex: hexId('5e1f'),
			address: `${'ab'.repeat(32)}@127.0.0.1:4000`,
			rank: 12,
			uptimeSeconds: 3725,
			port: 4000,
		},
		peers,
		series: {
			rttMs: Array.from({length: 60}, (_, i) => (i < 3 ? null : 20 + (i % 10))),
			upBps: Array.from({length: 60}, (_, i) => 1000 * i),
			downBps: Array.from({length: 60}, (_, i) => 2000 * (60 - i)),
		},
		chunks: Array.from({length: chunkCount}, (_, i) => ({
			idHex: hexId((i + 0x10).toString(16)),
			queryRate: 100 - i,
			distanceBits: 150 + (i % 10),
			inRange: i % 2 === 0,
			cached: i % 3 === 0,
			bytes: 1_048_576,
		})),
		store: {usedBytes: 3_000_000_000, budgetBytes: 10_000_000_000},
		settings: {
			rangeBits: 152,
			minPopularity: 2,
			uploadBps: 12_500_000,
			diskBytes: 10_000_000_000,
			minRank: 8,
		},
		credit,
		jobs: options.jobs
			? [
					{
						id: 'j1',
						kind: 'fetch',
						target: `tornet:${hexId('cafe')}`,
						outputPath: '/tmp/out.bin',
						state: 'running',
						doneBytes: 40_000_000,
						totalBytes: 100_000_000,
						rateBps: 5_000_000,
						sources: 3,
						etaSeconds: 12,
						link: null,
						error: null,
					},
				]
			: [],
	};
}

export type Call = [method: string, ...args: unknown[]];

/**
 * The console's input data held in memory: a snapshot that tests replace with push(), and the
 * actions the console asked for, in order. failNext() makes the next call of a method reject.
 */
export type MemoryController = NodeController & {
	calls: Call[];
	push(snapshot: Snapshot): void;
	failNext(method: string, error: TornetError): void;
	listenerCount(): number;
};

export function memoryController(initial: Snapshot = sampleSnapshot()): MemoryController {
	let snapshot = initial;
	const listeners = new Set<SnapshotListener>();
	const failures = new Map<string, TornetError>();
	const calls: Call[] = [];

	async function act<T>(method: string, args: unknown[], result: () => T): Promise<T> {
		calls.push([method, ...args]);
		const failure = failures.get(method);
		if (failure) {
			failures.delete(method);
			throw failure;
		}

		return result();
	}

	return {
		calls,
		push(next) {
			snapshot = next;
			for (const listener of listeners) listener(next);
		},
		failNext(method, error) {
			failures.set(method, error);
		},
		listenerCount: () => listeners.size,
		getSnapshot: () => snapshot,
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		setRange: async (bits: number) =>
			act('setRange', [bits], () => {
				snapshot = {...snapshot, settings: {...snapshot.settings, rangeBits: bits}};
			}),
		setMinPopularity: async (value: number) =>
			act('setMinPopularity', [value], () => {
				snapshot = {...snapshot, settings: {...snapshot.settings, minPopularity: value}};
			}),
		publish: async (path: string): Promise<PublishResult> =>
			act('publish', [path], () => ({link: `tornet:${hexId('beef')}`, bytes: 2048})),
		fetch: async (link: string, ...rest: [string?]): Promise<FetchResult> =>
			act('fetch', [link, ...rest], () => ({path: rest[0] ?? './downloaded', bytes: 4096})),
		settle: async (peerIdHex: string, ...rest: [SettlementRail?]): Promise<SettleResult> =>
			act('settle', [peerIdHex, ...rest], () => ({amount: 10_000_000, rail: rest[0] ?? 'cheque'})),
	};
}

export function notFound(what: string): TornetError {
	return TornetError.notFound(what);
}
