import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import type {Admission} from '../../source/chunks/transfer/chunk-server.js';
import {fetchLink} from '../../source/chunks/transfer/fetch-link.js';
import {temporaryDirectory} from './store-fixture.js';
import {linkBytes, publishOn, sourceFor, startPeer} from './transfer-fixture.js';

const MB = 1 << 20;

test('a fetch interrupted midway resumes without downloading verified slices again', async (t) => {
	let cap = 3 * MB; // slow enough to interrupt midway, fast enough to get somewhere
	const a = await startPeer(t, {server: {uploadBytesPerSecond: () => cap}});
	const first = await startPeer(t);
	const {result, content} = await publishOn(t, [a], 12 * MB);
	const total = await linkBytes(a.store);
	const out = join(await temporaryDirectory(t), 'fetched.bin');

	// The charge hook's commits count exactly the verified bytes each run kept.
	let verified = 0;
	const charge = async (): Promise<Admission> => ({
		async commit(bytes) {
			verified += bytes;
		},
		release() {},
	});
	let interrupted: Promise<void> | undefined;
	const attempt = fetchLink(first.store, result.link, out, {
		rpc: first.rpc,
		charge,
		findSources: async () => [sourceFor(first, a)],
		onProgress(progress) {
			// Midway: the node goes away (endpoint and store closed, downloads suspended).
			if (progress.bytesReceived >= 3 * MB) interrupted ??= first.endpoint.close();
		},
	});
	await t.throwsAsync(attempt);
	await interrupted;
	await first.close();
	const kept = verified;
	t.true(kept >= 3 * MB && kept < total, `interrupted after ${kept} of ${total} bytes`);
	await t.throwsAsync(readFile(out), undefined, 'nothing half-written under the target name');

	cap = 0;
	verified = 0;
	const second = await startPeer(t, {dataDir: first.dataDir, identity: first.identity});
	const resumed = await fetchLink(second.store, result.link, out, {
		rpc: second.rpc,
		charge,
		findSources: async () => [sourceFor(second, a)],
	});
	t.true((await readFile(out)).equals(content));
	t.is(resumed.bytesReceived, verified);
	t.is(kept + resumed.bytesReceived, total, 'every verified byte was received exactly once');
});
