import {type ChildProcess, fork} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {systemClock} from '../source/dht/clock.js';
import {ContactBook} from '../source/dht/contact-book.js';
import {RoutingTable} from '../source/dht/routing-table.js';
import type {Command} from './lookup-worker.js';

/**
 * Lookup latency on a loopback swarm of real nodes (every node its own UDP socket, identity, RPC
 * and DHT), against the raw RPC ping round trip between two of them measured in the same run;
 * plus the DHT's memory per 1,000 routing-table contacts and the wire bytes of a dht.chunk
 * exchange against the simulator's per-datagram model.
 *
 *   npm run bench:lookup -- [--nodes 200] [--lookups 200] [--workers 4] [--json]
 *
 * The nodes are spread over worker processes (bench/lookup-worker.ts): in one process, 200 nodes
 * hold ~23,000 connection ends whose keepalives, ACKs and timers alone took over half a core, and on
 * a loaded machine the event loop fell seconds behind, so handshakes and joins timed out. Nodes
 * join one at a time, each through up to three random earlier nodes; lookups run one at a time.
 */
const {values} = parseArgs({
	options: {
		nodes: {type: 'string', default: '200'},
		lookups: {type: 'string', default: '200'},
		workers: {type: 'string', default: '4'},
		json: {type: 'boolean', default: false},
	},
});
const nodeCount = Number(values.nodes);
const lookupCount = Number(values.lookups);
const workerCount = Math.max(1, Math.min(Number(values.workers), nodeCount));
const log = (line: string) => {
	if (!values.json) console.log(line);
};

const gc = exposeGc();
const quantile = (sorted: number[], q: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (list: number[]) =>
	quantile(
		[...list].sort((a, b) => a - b),
		0.5,
	);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

// ---- memory of the DHT state per 1,000 routing-table contacts (no network) ----

/** Ids in buckets 0–49 of a table, 20 each: what a node in a network of ~2^50 nodes would hold. */
function contactsFor(self: Buffer, count: number) {
	const ids: Buffer[] = [];
	for (let bucket = 0; ids.length < count; bucket++) {
		for (let i = 0; i < 20 && ids.length < count; i++) {
			const id = randomBytes(20);
			for (let bit = 0; bit <= bucket; bit++) {
				const mask = 0x80 >>> (bit & 7);
				const mine = self[bit >>> 3] & mask;
				const value = bit === bucket ? ~mine & mask : mine;
				id[bit >>> 3] = (id[bit >>> 3] & ~mask) | value;
			}

			ids.push(id);
		}
	}

	return ids.map((id) => ({id, publicKey: randomBytes(32)}));
}

/** A node's DHT state (contact book sized for exactly these contacts, and routing table). */
function build(self: Buffer, contacts: ReturnType<typeof contactsFor>) {
	const book = new ContactBook({clock: systemClock, capacity: contacts.length + 1});
	const selfIndex = book.admit({
		publicKey: randomBytes(32),
		id: self,
		host: '0.0.0.0',
		port: 1,
		rank: 0,
	});
	const table = new RoutingTable(book.ids);
	table.setSelf(0, selfIndex);
	for (const [i, {id, publicKey}] of contacts.entries()) {
		const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
		const index = book.admit({publicKey, id, host, port: 40_000 + (i % 20_000), rank: 8}, true);
		if (table.add(0, index) === 'added') book.pin(index);
	}

	return {book, table};
}

/**
 * Memory per node for `count` routing-table contacts: the heap and array-buffer growth of building
 * `copies` nodes' state at once (one build alone is lost in the noise of the collector), against
 * the estimate from the typed arrays' sizes and the book's side-table figure.
 */
function tableMemory(count: number, copies = 20) {
	const inputs = Array.from({length: copies}, () => {
		const self = randomBytes(20);
		return {self, contacts: contactsFor(self, count)};
	});
	build(inputs[0].self, inputs[0].contacts); // warm up the code paths first
	gc();
	const before = heapBytes();
	const built = inputs.map(({self, contacts}) => build(self, contacts));
	gc();
	const measured = (heapBytes() - before) / copies;
	const {book, table} = built[0];
	const columns = book.memory();
	return {
		held: table.size(0),
		measured: Math.round(measured),
		estimate: table.bytes + columns.typedArrays + columns.sideTables,
		tableBytes: table.bytes,
		defaultBook: new ContactBook({clock: systemClock}).memory().typedArrays,
	};
}

const memory = tableMemory(1000);
log(
	`DHT state holding ${memory.held} routing-table contacts: ${memory.measured} B measured (heap + array buffers), ${memory.estimate} B estimated (table ${memory.tableBytes} B + book columns + side tables); a node's default 8,192-contact book preallocates ${memory.defaultBook} B of columns`,
);

// ---- the swarm, spread over worker processes ----

type Reply = {id: number; result?: unknown; error?: string};

/** One child process hosting some of the nodes (bench/lookup-worker.ts). */
class Worker {
	private readonly child: ChildProcess;
	private readonly pending = new Map<number, (reply: Reply) => void>();
	private nextId = 0;

	constructor() {
		this.child = fork(fileURLToPath(new URL('lookup-worker.ts', import.meta.url)), [], {
			execArgv: ['--import=tsx'],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		this.child.on('message', (reply: Reply) => {
			this.pending.get(reply.id)?.(reply);
			this.pending.delete(reply.id);
		});
	}

	async call<T>(command: Command): Promise<T> {
		const id = this.nextId++;
		const reply = await new Promise<Reply>((resolve) => {
			this.pending.set(id, resolve);
			this.child.send({id, command});
		});
		if (reply.error !== undefined) throw new Error(`worker: ${reply.error}`);
		return reply.result as T;
	}
}

type WorkerStats = {
	contacts: number[];
	connectionEnds: number;
	closedByDht: number;
	handshakes: number;
	rss: number;
	cpuMicros: number;
};

const workers = Array.from({length: workerCount}, () => new Worker());
/** Node g lives in worker g % W as its local node ⌊g / W⌋. */
const at = (g: number) => ({worker: workers[g % workerCount], local: Math.floor(g / workerCount)});
const everyStats = async () =>
	Promise.all(workers.map(async (w) => w.call<WorkerStats>({type: 'stats'})));
const sum = (list: WorkerStats[], key: 'connectionEnds' | 'closedByDht' | 'handshakes' | 'rss') =>
	list.reduce((total, stats) => total + stats[key], 0);

const opened = await Promise.all(
	workers.map(async (worker, w) =>
		worker.call<string[]>({
			type: 'open',
			count: Math.floor(nodeCount / workerCount) + (w < nodeCount % workerCount ? 1 : 0),
		}),
	),
);
const addresses = Array.from(
	{length: nodeCount},
	(_, g) => opened[g % workerCount][Math.floor(g / workerCount)],
);
const idle = await everyStats();
const joinStarted = performance.now();
for (let g = 0; g < nodeCount; g++) {
	const bootstrap = new Set<string>();
	while (bootstrap.size < Math.min(3, g)) bootstrap.add(addresses[Math.floor(Math.random() * g)]);
	const {worker, local} = at(g);
	await worker.call({type: 'join', local, bootstrap: [...bootstrap]});
	if (!values.json && (g + 1) % 50 === 0) console.error(`# ${g + 1} nodes joined`);
}

const joinMs = performance.now() - joinStarted;
const joined = await everyStats();
const contacts = joined.flatMap((stats) => stats.contacts);
const ends = sum(joined, 'connectionEnds');
const rssSwarm = sum(joined, 'rss') - sum(idle, 'rss');
log(
	`${nodeCount} nodes in ${workerCount} processes joined in ${(joinMs / 1000).toFixed(1)} s (${sum(joined, 'handshakes')} handshakes); routing tables ${median(contacts)} contacts median (${Math.min(...contacts)}–${Math.max(...contacts)})`,
);
log(
	`${ends / 2} connections open (${round(ends / nodeCount, 1)} per node; the DHTs closed ${sum(joined, 'closedByDht')} at their limit of 128 each); RSS +${Math.round(rssSwarm / 2 ** 20)} MB, ≈ ${Math.round(rssSwarm / ends / 1024)} KiB per connection end`,
);

// Baselines between two nodes in different processes (when there are two), on one connection.
const wire = await at(0).worker.call<{
	pingMs: number;
	findNodeMs: number;
	chunkExchangeBytes: number;
	chunkExchangePackets: number;
	chunkExchangeModel: number;
	chunkExchangePayload: number;
}>({type: 'baseline', local: at(0).local, address: addresses[1], count: 200});

const plan = Array.from({length: lookupCount}, () => ({
	from: Math.floor(Math.random() * nodeCount),
	target: randomBytes(20).toString('hex'),
}));
type LookupFigures = {ms: number; hops: number; requests: number};
const lookups = async () => {
	const results: LookupFigures[] = [];
	const before = sum(await everyStats(), 'handshakes');
	for (const {from, target} of plan) {
		const {worker, local} = at(from);
		results.push(await worker.call<LookupFigures>({type: 'lookup', local, target}));
	}

	const handshakes = (sum(await everyStats(), 'handshakes') - before) / lookupCount;
	return {results, handshakes};
};

const cold = await lookups();
// The same lookups again at once: their peers are connected now, so this is the DHT's own cost.
const warm = await lookups();
const latencies = cold.results.map((result) => result.ms).sort((a, b) => a - b);
const warmLatencies = warm.results.map((result) => result.ms).sort((a, b) => a - b);
const rounds = cold.results.map((result) => result.hops).sort((a, b) => a - b);
const report = {
	nodes: nodeCount,
	processes: workerCount,
	lookups: lookupCount,
	medianMs: round(quantile(latencies, 0.5)),
	p95Ms: round(quantile(latencies, 0.95)),
	medianRounds: quantile(rounds, 0.5),
	p95Rounds: quantile(rounds, 0.95),
	medianRequests: median(cold.results.map((result) => result.requests)),
	handshakesPerLookup: round(cold.handshakes),
	warmMedianMs: round(quantile(warmLatencies, 0.5)),
	warmP95Ms: round(quantile(warmLatencies, 0.95)),
	warmHandshakesPerLookup: round(warm.handshakes),
	pingMs: round(wire.pingMs, 3),
	findNodeMs: round(wire.findNodeMs, 3),
	joinSeconds: round(joinMs / 1000, 1),
	medianTableContacts: median(contacts),
	minTableContacts: Math.min(...contacts),
	bytesPer1000Contacts: Math.round((memory.measured / memory.held) * 1000),
	estimatedBytesPer1000Contacts: Math.round((memory.estimate / memory.held) * 1000),
	defaultBookBytes: memory.defaultBook,
	swarmRssMB: Math.round(rssSwarm / 2 ** 20),
	connectionsPerNode: round(ends / nodeCount, 1),
	connectionsClosedByDht: sum(joined, 'closedByDht'),
	chunkExchangeWireBytes: Math.round(wire.chunkExchangeBytes),
	chunkExchangeModelBytes: wire.chunkExchangeModel,
	chunkExchangePackets: round(wire.chunkExchangePackets),
};

log(`lookups of random targets from random nodes, one at a time (${lookupCount}):`);
log(`  latency      median ${report.medianMs} ms, p95 ${report.p95Ms} ms`);
log(
	`  rounds       median ${report.medianRounds}, p95 ${report.p95Rounds}; ${report.medianRequests} requests median`,
);
log(`  handshakes   ${report.handshakesPerLookup} per lookup (peers not connected yet)`);
log(
	`  again, warm  median ${report.warmMedianMs} ms, p95 ${report.warmP95Ms} ms (${report.warmHandshakesPerLookup} handshakes per lookup)`,
);
log(
	`  baseline     RPC ping round trip ${report.pingMs} ms median → lookup ≈ ${round(report.medianMs / report.pingMs, 1)} × RTT`,
);
log(
	`  baseline     dht.node round trip (20 contacts back) ${report.findNodeMs} ms median; a lookup's ${report.medianRequests} requests, α = 3 at a time, ≈ ${round(report.medianRequests / 3, 1)} of those`,
);
log(
	`dht.chunk exchange with 10 contacts on a warm connection: ${report.chunkExchangeWireBytes} B on the wire (${report.chunkExchangePackets} packets, ACKs included) vs ${report.chunkExchangeModelBytes} B modelled (payload ${wire.chunkExchangePayload} B)`,
);
log(
	`memory per 1,000 contacts: ${report.bytesPer1000Contacts} B measured, ${report.estimatedBytesPer1000Contacts} B estimated`,
);
await Promise.all(workers.map(async (worker) => worker.call({type: 'close'})));
if (values.json) console.log(JSON.stringify(report));

function heapBytes(): number {
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

/** global.gc without a command-line flag (tsx runs us): V8 lets a flag be set at run time. */
function exposeGc(): () => void {
	setFlagsFromString('--expose-gc');
	const collect = runInNewContext('gc') as () => void;
	return () => {
		collect();
		collect();
	};
}
