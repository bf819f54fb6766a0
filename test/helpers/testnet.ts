import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {DhtService, DhtServiceOptions} from '../../source/node/dht-service.js';
import {TornetNode, type NodeOptions} from '../../source/node/node.js';

type Teardown = {teardown(fn: () => Promise<void>): void};

export type TestnetOptions = Partial<Omit<NodeOptions, 'bootstrap'>> & {
	/**
	 * Start a DhtService on every node and join them one by one: each node bootstraps from node 0
	 * ('first') or from up to three random earlier nodes ('random'). Without it, every node runs
	 * its DHT alone (no bootstrap).
	 */
	bootstrap?: 'first' | 'random';
	/** Options for every node's DhtService (bootstrap addresses are chosen by the helper). */
	dht?: Omit<DhtServiceOptions, 'bootstrap'>;
};

/** Nodes opened at once; each open binds a socket and writes a key file. */
const OPEN_BATCH = 16;

/**
 * N real nodes on loopback UDP in this process, each with its own data directory, closed and
 * removed when the test ends (hyperdht's createTestnet, for tornet). With `bootstrap`, every node
 * also runs the DHT and has joined it when this resolves; `dhts[i]` belongs to `nodes[i]`.
 */
export async function testnet(t: Teardown, count: number, options: TestnetOptions = {}) {
	const {bootstrap, dht, ...nodeOptions} = options;
	const nodes: TornetNode[] = [];
	const directories: string[] = [];
	t.teardown(async () => {
		await Promise.all(nodes.map(async (node) => node.close()));
		await Promise.all(
			directories.map(async (directory) => rm(directory, {recursive: true, force: true})),
		);
	});
	const open = async (i: number) => {
		const dataDir = await mkdtemp(join(tmpdir(), 'tornet-testnet-'));
		directories.push(dataDir);
		const node = await TornetNode.open({
			host: '127.0.0.1',
			...nodeOptions,
			dataDir,
			dht,
			bootstrap: bootstrap ? bootstrapFor(nodes, i, bootstrap) : [],
		});
		nodes[i] = node;
		return node;
	};

	if (bootstrap) {
		// One by one: each node joins through nodes that are already part of the DHT.
		for (let i = 0; i < count; i++) await (await open(i)).dht.start();
	} else {
		for (let start = 0; start < count; start += OPEN_BATCH) {
			const size = Math.min(OPEN_BATCH, count - start);
			await Promise.all(Array.from({length: size}, async (_, j) => open(start + j)));
		}
	}

	const dhts: DhtService[] = nodes.map((node) => node.dht);
	return {nodes, dhts};
}

function bootstrapFor(nodes: TornetNode[], i: number, mode: 'first' | 'random'): string[] {
	if (i === 0) return [];
	if (mode === 'first') return [nodes[0].address];
	const chosen = new Set<number>();
	while (chosen.size < Math.min(3, i)) chosen.add(Math.floor(Math.random() * i));
	return [...chosen].map((index) => nodes[index].address);
}
