import {ChunkStore} from '../../source/chunks/chunk-store.js';
import {sealChunk} from '../../source/chunks/chunk-crypto.js';
import {patternBytes} from './store-fixture.js';

/**
 * Runs in a child process that dies by SIGKILL mid-way (store-crash.test.ts): no close, no
 * cleanup, as in a power cut as far as this process is concerned.
 *
 *   store-crash-child.ts <dataDir> kill-before-index | kill-after-puts
 */
const [dataDir, mode] = process.argv.slice(2);
const die = () => {
	process.kill(process.pid, 'SIGKILL');
};
const store = await ChunkStore.open({
	dataDir: dataDir!,
	afterBodyWrite: mode === 'kill-before-index' ? die : undefined,
});
const chunks = [1, 2, 3, 4].map((seed) => sealChunk(patternBytes(100_000 + seed, seed)));
for (const chunk of chunks) process.stdout.write(`${chunk.id.toString('hex')}\n`);
if (mode === 'kill-before-index') {
	await store.putSealed(chunks[0], {pinned: true});
} else {
	for (const chunk of chunks) await store.putSealed(chunk, {pinned: true, durable: true});
	process.stdout.write('stored\n');
	die();
}
