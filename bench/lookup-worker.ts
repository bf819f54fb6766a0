import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	DHT_METHODS,
	encodeFindChunkRequest,
	encodeFindNodeRequest,
} from '../source/dht/messages.js';
import {replyWireBytes, requestWireBytes} from '../source/dht/wire-cost.js';
import {parseAddress} from '../source/identity/address.js';
import {DhtService} from '../source/node/dht-service.js';
import {TornetNode} from '../source/node/node.js';
import {requestPing} from '../source/rpc/ping.js';

/**
 * One process of the bench:lookup swarm: hosts some of the nodes and runs what the coordinator
 * (bench/lookup.ts) asks over the IPC channel, one command at a time.
 */
export type Command =
	| {type: 'open'; count: number}
	| {type: 'join'; local: number; bootstrap: string[]}
	| {type: 'lookup'; local: number; target: string}
	| {type: 'baseline'; local: number; address: string; count: number}
	| {type: 'stats'}
	| {type: 'close'};

const nodes: TornetNode[] = [];
const dhts: DhtService[] = [];
const directories: string[] = [];

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

async function run(command: Command): Promise<unknown> {
	switch (command.type) {
		case 'open': {
			for (let i = 0; i < command.count; i++) {
				const dataDir = await mkdtemp(join(tmpdir(), 'tornet-bench-'));
				directories.push(dataDir);
				nodes.push(await TornetNode.open({dataDir, host: '127.0.0.1', port: 0}));
			}

			return nodes.map((node) => node.address);
		}

		case 'join': {
			const dht = new DhtService(nodes[command.local], {bootstrap: command.bootstrap});
			dhts[command.local] = dht;
			await dht.start();
			return dht.stats().contacts;
		}

		case 'lookup': {
			const {ms, hops, requests} = await dhts[command.local].lookup(
				Buffer.from(command.target, 'hex'),
			);
			return {ms, hops, requests};
		}

		case 'baseline': {
			return baseline(nodes[command.local], command.address, command.count);
		}

		case 'stats': {
			return {
				contacts: dhts.map((dht) => dht.stats().contacts),
				connectionEnds: nodes.reduce((sum, node) => sum + node.endpoint.connectionCount, 0),
				closedByDht: dhts.reduce((sum, dht) => sum + dht.stats().connectionsClosed, 0),
				handshakes: nodes.reduce((sum, node) => sum + node.endpoint.stats.handshakesAccepted, 0),
				rss: process.memoryUsage().rss,
				cpuMicros: process.cpuUsage().user + process.cpuUsage().system,
			};
		}

		case 'close': {
			for (const dht of dhts) dht.close();
			await Promise.all(nodes.map(async (node) => node.close()));
			await Promise.all(directories.map(async (directory) => rm(directory, {recursive: true})));
			setImmediate(() => process.exit(0));
			return true;
		}
	}
}

/**
 * From `node` to the node at `address` (in another process), on one warm connection: the RPC ping
 * round trip, a dht.node round trip with 20 contacts back, and the bytes and packets a dht.chunk
 * exchange with 10 contacts puts on the wire against the wire-cost model.
 */
async function baseline(node: TornetNode, address: string, count: number) {
	const connection = await node.endpoint.connect(parseAddress(address));
	const pings: number[] = [];
	for (let i = 0; i < count; i++) pings.push((await requestPing(node.rpc, connection)).rttMs);
	const findNode = encodeFindNodeRequest(randomBytes(20), 20);
	const rounds: number[] = [];
	for (let i = 0; i < count; i++) {
		const started = performance.now();
		await node.rpc.request(connection, DHT_METHODS.findNode, findNode, {retries: 2});
		rounds.push(performance.now() - started);
	}

	const findChunk = encodeFindChunkRequest(randomBytes(20), 10);
	await new Promise((resolve) => setTimeout(resolve, 100)); // let delayed ACKs leave first
	const {stats} = connection;
	const before = {...stats, sent: stats.bytesSent, received: stats.bytesReceived};
	let replyBytes = 0;
	for (let i = 0; i < count; i++) {
		const reply = await node.rpc.request(connection, DHT_METHODS.findChunk, findChunk, {
			retries: 2,
		});
		replyBytes = reply.length;
	}

	await new Promise((resolve) => setTimeout(resolve, 100));
	const packets =
		stats.packetsSent - before.packetsSent + stats.packetsReceived - before.packetsReceived;
	const ipUdp = 28; // connection counters count UDP payloads
	const bytes =
		stats.bytesSent - before.sent + stats.bytesReceived - before.received + packets * ipUdp;
	return {
		pingMs: median(pings),
		findNodeMs: median(rounds),
		chunkExchangeBytes: bytes / count,
		chunkExchangePackets: packets / count,
		chunkExchangeModel:
			requestWireBytes(DHT_METHODS.findChunk, findChunk.length) + replyWireBytes(replyBytes),
		chunkExchangePayload: findChunk.length + replyBytes,
	};
}

process.on('message', (message: {id: number; command: Command}) => {
	run(message.command).then(
		(result) => process.send!({id: message.id, result}),
		(error: unknown) => process.send!({id: message.id, error: String(error)}),
	);
});
