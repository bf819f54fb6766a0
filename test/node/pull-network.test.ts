import {randomBytes} from 'node:crypto';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {parseLink} from '../../source/chunks/link.js';
import {keyOf} from '../../source/chunks/pull-cache.js';
import {testnet} from '../helpers/testnet.js';

test('a chunk searched for often is pulled over the network and cached by nodes on the path', async (t) => {
	const {nodes} = await testnet(t, 12, {bootstrap: 'random'});
	const [publisher] = nodes;
	const directory = await mkdtemp(join(tmpdir(), 'tornet-pull-'));
	const path = join(directory, 'popular.txt');
	await writeFile(path, randomBytes(100_000));
	const {link} = await publisher.publish(path);
	const {id} = parseLink(link);
	const key = keyOf(id);

	// Searches from every other node, a few rounds: the nodes nearest the id see them all.
	for (let round = 0; round < 4; round++)
		for (const node of nodes.slice(1)) t.true((await node.dht.findChunk(id)).found);

	let cachedBy: number[] = [];
	for (let wait = 0; wait < 50 && cachedBy.length === 0; wait++) {
		await new Promise((resolve) => setTimeout(resolve, 100));
		cachedBy = nodes
			.map((node, i) => ({i, node}))
			.filter(({i, node}) => i > 0 && node.content.holdings.has(key))
			.map(({i}) => i);
	}

	t.true(cachedBy.length > 0, 'some node pulled the chunk');
	for (const i of cachedBy) {
		const info = await nodes[i].content.store.info(id);
		t.false(info?.pinned, 'a pulled chunk is a cached copy, never pinned');
		t.true((await nodes[i].content.store.get(id)).length > 0, 'and it reads back verified');
	}
});

test('searches for a chunk nobody has make nobody pull or remember it', async (t) => {
	const {nodes} = await testnet(t, 8, {bootstrap: 'random'});
	const missing = randomBytes(20);
	for (let round = 0; round < 4; round++)
		for (const node of nodes) t.false((await node.dht.findChunk(missing)).found);
	await new Promise((resolve) => setTimeout(resolve, 500));
	for (const node of nodes) {
		t.false(node.content.holdings.has(keyOf(missing)));
		t.false(node.dht.cache.popularity.isConfirmed(keyOf(missing)));
	}
});
