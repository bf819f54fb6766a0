import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {systemClock} from '../source/dht/clock.js';
import {ContactBook} from '../source/dht/contact-book.js';
import {
	DHT_METHODS,
	encodeFindChunkRequest,
	encodeFindNodeRequest,
} from '../source/dht/messages.js';
import {RoutingTable} from '../source/dht/routing-table.js';
import {replyWireBytes, requestWireBytes} from '../source/dht/wire-cost.js';
import {DhtService} from '../source/node/dht-service.js';
import {TornetNode} from '../source/node/node.js';
import {requestPing} from '../source/rpc/ping.js';

/**
 * Lookup latency on a loopback swarm of real nodes in this one process (every node its own UDP
 * socket, identity, RPC and DHT), against the raw RPC ping round trip between two of them measured
 * in the same run; plus the DHT's memory per 1,000 routing-table contacts and the wire bytes of a
 * dht.chunk exchange against the simulator's per-datagram model.
 *
 *   npm run bench:lookup -- [--nodes 200] [--lookups 200] [--json]
 *
 * One process: the nodes share one event loop, so a lookup's latency includes the CPU of every
 * node it touches (handshakes, AEAD), serialised. That overstates latency against a real network
 * but keeps the run deterministic in shape and cheap to start; lookups run one at a time.
 */
const {values} = parseArgs({
	options: {
		nodes: {type: 'string', default: '200'},
		lookups: {type: 'string', default: '200'},
		json: {type: 'boolean', default: false},
	},
});
const nodeCount = Number(values.nodes);
const lookupCount = Number(values.lookups);
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
function tableMemory(contacts: number) {
	const self = randomBytes(20);
	const ids: Buffer[] = [];
	for (let bucket = 0; ids.length < contacts; bucket++) {
		for (let i = 0; i < 20 && ids.length < contacts; i++) {
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

	const keys = ids.map(() => randomBytes(32));
	gc();
	const before = heapBytes();
	// Sized for exactly these contacts, so the figure is per contact held, not per slot reserved.
	const book = new ContactBook({clock: systemClock, capacity: contacts + 1});
	const selfIndex = book.admit({
		publicKey: randomBytes(32),
		id: self,
		host: '0.0.0.0',
		port: 1,
		rank: 0,
	});
	const table = new RoutingTable(book.ids);
	table.setSelf(0, selfIndex);
	for (const [i, id] of ids.entries()) {
		const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
		const index = book.admit(
			{publicKey: keys[i], id, host, port: 40_000 + (i % 20_000), rank: 8},
			true,
		);
		if (table.add(0, index) === 'added') book.pin(index);
	}

	gc();
	const measured = heapBytes() - before;
	const memory = book.memory();
	const estimate = table.bytes + memory.typedArrays + memory.sideTables;
	const held = table.size(0);
	const defaultBook = new ContactBook({clock: systemClock}).memory().typedArrays;
	return {held, measured, estimate, tableBytes: table.bytes, defaultBook};
}

// ---- the swarm ----

async function startSwarm(count: number) {
	const directories: string[] = [];
	const nodes: TornetNode[] = [];
	const dhts: DhtService[] = [];
	for (let i = 0; i < count; i++) {
		const dataDir = await mkdtemp(join(tmpdir(), 'tornet-bench-'));
		directories.push(dataDir);
		nodes.push(await TornetNode.open({dataDir, host: '127.0.0.1', port: 0}));
	}

	const started = performance.now();
	for (const [i, node] of nodes.entries()) {
		const bootstrap = new Set<string>();
		while (i > 0 && bootstrap.size < Math.min(3, i))
			bootstrap.add(nodes[Math.floor(Math.random() * i)].address);
		const dht = new DhtService(node, {bootstrap: [...bootstrap]});
		dhts.push(dht);
		await dht.start();
		if (!values.json && (i + 1) % 50 === 0) console.error(`# ${i + 1} nodes joined`);
	}

	const joinMs = performance.now() - started;
	const close = async () => {
		for (const dht of dhts) dht.close();
		await Promise.all(nodes.map(async (node) => node.close()));
		await Promise.all(directories.map(async (directory) => rm(directory, {recursive: true})));
	};

	return {nodes, dhts, joinMs, close};
}

const handshakes = (nodes: TornetNode[]) =>
	nodes.reduce((sum, node) => sum + node.endpoint.stats.handshakesAccepted, 0);

/** A connection from a to b; a loaded machine may lose a whole handshake, so up to 3 tries. */
async function connect(a: TornetNode, b: TornetNode) {
	const address = {publicKey: b.identity.publicKey, host: '127.0.0.1', port: b.port};
	for (let attempt = 1; ; attempt++) {
		try {
			return await a.endpoint.connect(address);
		} catch (error) {
			if (attempt >= 3) throw error;
		}
	}
}

async function pingBaseline(a: TornetNode, b: TornetNode, count: number) {
	const connection = await connect(a, b);
	const samples: number[] = [];
	for (let i = 0; i < count; i++) samples.push((await requestPing(a.rpc, connection)).rttMs);
	return median(samples);
}

/** Median round trip of a dht.node request answered with 20 contacts, on a warm connection. */
async function findNodeBaseline(a: TornetNode, b: TornetNode, count: number) {
	const connection = await connect(a, b);
	const body = encodeFindNodeRequest(randomBytes(20), 20);
	const samples: number[] = [];
	for (let i = 0; i < count; i++) {
		const started = performance.now();
		await a.rpc.request(connection, DHT_METHODS.findNode, body, {retries: 2});
		samples.push(performance.now() - started);
	}

	return median(samples);
}

/** Bytes and packets on the wire per dht.chunk exchange (10 contacts back) on a warm connection. */
async function wireCost(a: TornetNode, b: TornetNode, count: number) {
	const connection = await connect(a, b);
	const body = encodeFindChunkRequest(randomBytes(20), 10);
	await a.rpc.request(connection, DHT_METHODS.findChunk, body, {retries: 2});
	await new Promise((resolve) => setTimeout(resolve, 100)); // let delayed ACKs leave
	const {
		bytesSent: sent0,
		bytesReceived: received0,
		packetsSent: p0,
		packetsReceived: q0,
	} = connection.stats;
	let replyBytes = 0;
	for (let i = 0; i < count; i++) {
		const reply = await a.rpc.request(connection, DHT_METHODS.findChunk, body, {retries: 2});
		replyBytes = reply.length;
	}

	await new Promise((resolve) => setTimeout(resolve, 100));
	const {stats} = connection;
	const ipUdp = 28; // connection stats count UDP payloads
	const packets = stats.packetsSent - p0 + stats.packetsReceived - q0;
	const bytes = stats.bytesSent - sent0 + stats.bytesReceived - received0 + packets * ipUdp;
	return {
		measured: bytes / count,
		packetsPerExchange: packets / count,
		model: requestWireBytes(DHT_METHODS.findChunk, body.length) + replyWireBytes(replyBytes),
		payload: body.length + replyBytes,
	};
}

// The heap delta of one build is noisy (module loading, the Buffer pool): median of five.
const builds = Array.from({length: 5}, () => tableMemory(1000));
const memory = {...builds[0], measured: median(builds.map((build) => build.measured))};
log(
	`DHT state holding ${memory.held} routing-table contacts: ${memory.measured} B measured (heap + array buffers), ${memory.estimate} B estimated (table ${memory.tableBytes} B + book columns + side tables); a node's default 8,192-contact book preallocates ${memory.defaultBook} B of columns`,
);

const rssBefore = process.memoryUsage().rss;
const swarm = await startSwarm(nodeCount);
const {nodes, dhts} = swarm;
const rssSwarm = process.memoryUsage().rss - rssBefore;
const contacts = dhts.map((dht) => dht.stats().contacts);
log(
	`${nodeCount} nodes joined in ${(swarm.joinMs / 1000).toFixed(1)} s (${handshakes(nodes)} handshakes); routing tables ${median(contacts)} contacts median (${Math.min(...contacts)}–${Math.max(...contacts)}); RSS +${(rssSwarm / 2 ** 20).toFixed(0)} MB`,
);

const openEnds = nodes.reduce((sum, node) => sum + node.endpoint.connectionCount, 0);
const closedByDht = dhts.reduce((sum, dht) => sum + dht.stats().connectionsClosed, 0);
log(
	`${openEnds / 2} connections open (${round(openEnds / nodeCount, 1)} per node; the DHTs closed ${closedByDht} at their limit of 128 each); RSS ≈ ${Math.round(rssSwarm / openEnds / 1024)} KiB per connection end`,
);
const pingMs = await pingBaseline(nodes[0], nodes[1], 200);
const findNodeMs = await findNodeBaseline(nodes[0], nodes[1], 200);
const wire = await wireCost(nodes[2], nodes[3], 200);

const plan = Array.from({length: lookupCount}, () => ({
	from: Math.floor(Math.random() * nodes.length),
	target: randomBytes(20),
}));
const latencies: number[] = [];
const rounds: number[] = [];
const requests: number[] = [];
const shakesBefore = handshakes(nodes);
for (const {from, target} of plan) {
	const result = await dhts[from].lookup(target);
	latencies.push(result.ms);
	rounds.push(result.hops);
	requests.push(result.requests);
}

const handshakesPerLookup = (handshakes(nodes) - shakesBefore) / lookupCount;
latencies.sort((a, b) => a - b);
// The same lookups again at once: their peers are connected now, so this is the DHT's own cost.
const warm: number[] = [];
const shakesWarm = handshakes(nodes);
for (const {from, target} of plan) warm.push((await dhts[from].lookup(target)).ms);
const warmHandshakes = (handshakes(nodes) - shakesWarm) / lookupCount;
warm.sort((a, b) => a - b);
const report = {
	nodes: nodeCount,
	lookups: lookupCount,
	medianMs: round(quantile(latencies, 0.5)),
	p95Ms: round(quantile(latencies, 0.95)),
	medianRounds: median(rounds),
	p95Rounds: quantile(
		[...rounds].sort((a, b) => a - b),
		0.95,
	),
	medianRequests: median(requests),
	handshakesPerLookup: round(handshakesPerLookup),
	warmMedianMs: round(quantile(warm, 0.5)),
	warmP95Ms: round(quantile(warm, 0.95)),
	warmHandshakesPerLookup: round(warmHandshakes),
	pingMs: round(pingMs, 3),
	findNodeMs: round(findNodeMs, 3),
	joinSeconds: round(swarm.joinMs / 1000, 1),
	medianTableContacts: median(contacts),
	minTableContacts: Math.min(...contacts),
	bytesPer1000Contacts: Math.round((memory.measured / memory.held) * 1000),
	estimatedBytesPer1000Contacts: Math.round((memory.estimate / memory.held) * 1000),
	defaultBookBytes: memory.defaultBook,
	swarmRssMB: Math.round(rssSwarm / 2 ** 20),
	connectionsPerNode: round(openEnds / nodeCount, 1),
	connectionsClosedByDht: closedByDht,
	chunkExchangeWireBytes: Math.round(wire.measured),
	chunkExchangeModelBytes: wire.model,
	chunkExchangePackets: round(wire.packetsPerExchange),
};

log(`lookups of random targets from random nodes, one at a time (${lookupCount}):`);
log(`  latency      median ${report.medianMs} ms, p95 ${report.p95Ms} ms`);
log(
	`  rounds       median ${report.medianRounds}, p95 ${report.p95Rounds}; ${report.medianRequests} requests median`,
);
log(`  handshakes   ${report.handshakesPerLookup} per lookup (contacts not connected yet)`);
log(
	`  again, warm  median ${report.warmMedianMs} ms, p95 ${report.warmP95Ms} ms (${report.warmHandshakesPerLookup} handshakes per lookup)`,
);
log(
	`  baseline     RPC ping round trip ${report.pingMs} ms median → lookup ≈ ${round(report.medianMs / report.pingMs, 1)} × RTT`,
);
log(
	`  baseline     dht.node round trip (20 contacts back) ${report.findNodeMs} ms median: a warm lookup's ${report.medianRequests} requests, α = 3 at a time, ≈ ${round(report.medianRequests / 3, 1)} of those`,
);
log(
	`dht.chunk exchange with 10 contacts on a warm connection: ${report.chunkExchangeWireBytes} B on the wire (${report.chunkExchangePackets} packets, ACKs included) vs ${report.chunkExchangeModelBytes} B modelled (payload ${wire.payload} B)`,
);
log(
	`memory per 1,000 contacts: ${report.bytesPer1000Contacts} B measured, ${report.estimatedBytesPer1000Contacts} B estimated`,
);
await swarm.close();
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
