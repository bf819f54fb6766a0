import {randomBytes} from 'node:crypto';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {loadDescription} from '../../source/chunks/description-chunks.js';
import {parseLink} from '../../source/chunks/link.js';
import {keyOf} from '../../source/chunks/pull-cache.js';
import {chunkIdsOf} from '../../source/node/content-service.js';
import {testnet} from '../helpers/testnet.js';

test('a publish stores the content pinned, shows as a job, and other nodes find it through the DHT', async (t) => {
	const {nodes} = await testnet(t, 12, {bootstrap: 'random'});
	const [publisher] = nodes;
	const directory = await mkdtemp(join(tmpdir(), 'tornet-publish-'));
	const path = join(directory, 'three-chunks.bin');
	await writeFile(path, randomBytes(2.5 * 1024 * 1024));
	const phases = new Set<string>();
	const result = await publisher.publish(path, (progress) => phases.add(progress.phase));
	t.deepEqual([...phases], ['store', 'announce']);
	t.is(result.bytes, 2.5 * 1024 * 1024);
	t.is(result.announced, result.chunks, 'every chunk reference was taken by some node');

	const link = parseLink(result.link);
	const root = await publisher.content.store.info(link.id);
	t.true(root?.pinned, 'the root chunk is pinned here');
	t.true(publisher.content.holdings.pinned(keyOf(link.id)), 'the DHT view knows it');
	t.like(publisher.snapshot().jobs[0], {kind: 'publish', state: 'done', link: result.link});
	t.true(publisher.snapshot().dht!.contacts >= 1, 'the snapshot counts routing-table contacts');

	// Every chunk of the file is found from elsewhere, with the publisher as holder.
	const ids = chunkIdsOf(await loadDescription(publisher.content.store, link));
	t.is(ids.length, result.chunks);
	for (const id of ids) {
		const search = await nodes[7].dht.findChunk(id);
		t.true(search.found, `chunk ${id.toString('hex')}`);
		t.deepEqual(search.holder?.id, publisher.identity.id);
	}
});

test('the snapshot reports the store against its budget and the chunks held', async (t) => {
	const {nodes} = await testnet(t, 1, {diskBytes: 64 * 1024 * 1024});
	const [node] = nodes;
	const directory = await mkdtemp(join(tmpdir(), 'tornet-publish-'));
	const path = join(directory, 'small.txt');
	await writeFile(path, 'hello tornet\n');
	await node.publish(path);
	const snapshot = node.snapshot();
	t.is(snapshot.store.budgetBytes, 64 * 1024 * 1024);
	t.true(snapshot.store.usedBytes > 0);
	t.true(snapshot.chunks.length >= 1);
	t.true(
		snapshot.chunks.every((chunk) => !chunk.cached),
		'published chunks are not cached copies',
	);
	t.is(snapshot.jobs[0].state, 'done');
	t.regex(snapshot.jobs[0].link ?? '', /^tornet:/);
});
