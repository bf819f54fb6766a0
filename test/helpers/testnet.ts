import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {TornetNode, type NodeOptions} from '../../source/node/node.js';

type Teardown = {teardown(fn: () => Promise<void>): void};

/**
 * N real nodes on loopback UDP in this process, each with its own data directory, closed and
 * removed when the test ends (hyperdht's createTestnet, for tornet).
 */
export async function testnet(t: Teardown, count: number, options: Partial<NodeOptions> = {}) {
	const nodes: TornetNode[] = [];
	const directories: string[] = [];
	t.teardown(async () => {
		await Promise.all(nodes.map(async (node) => node.close()));
		await Promise.all(
			directories.map(async (directory) => rm(directory, {recursive: true, force: true})),
		);
	});
	for (let i = 0; i < count; i++) {
		const dataDir = await mkdtemp(join(tmpdir(), 'tornet-testnet-'));
		directories.push(dataDir);
		nodes.push(await TornetNode.open({host: '127.0.0.1', ...options, dataDir}));
	}

	return {nodes};
}
