import {createInterface} from 'node:readline';
import {ChunkStore} from '../source/chunks/chunk-store.js';
import {ChunkServer} from '../source/chunks/transfer/chunk-server.js';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import {Rpc} from '../source/rpc/rpc.js';
import {Endpoint} from '../source/transport/endpoint.js';

/**
 * A source process of bench/fetch.ts: a real endpoint, a store holding the published chunks (its
 * data dir is the first argument) and a ChunkServer capped at the second argument (bytes/s, 0 =
 * unlimited); a third argument 'cubic' keeps the default congestion control instead of LEDBAT. Prints `{port, publicKey, id}` when ready; on a `{"stop": true}` line prints
 * `{bytesServed, cpuMicros}` and exits.
 */
const [dataDir, capArgument, congestion] = process.argv.slice(2);
const cap = Number(capArgument ?? 0);
const keyPair = generateKeyPair();
const nonce = nonceFromCounter(0n);
const identity = makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
const store = await ChunkStore.open({dataDir: dataDir!});
const endpoint = new Endpoint({identity, host: '127.0.0.1'});
const rpc = new Rpc();
const server = new ChunkServer({
	store,
	uploadBytesPerSecond: () => cap,
	lowPriority: congestion !== 'cubic',
});
server.register(rpc);
endpoint.on('connection', (connection) => {
	rpc.attach(connection);
	server.attach(connection);
});
const {port} = await endpoint.listen();
const cpu = process.cpuUsage();
process.stdout.write(
	JSON.stringify({
		port,
		publicKey: identity.publicKey.toString('hex'),
		id: identity.id.toString('hex'),
	}) + '\n',
);

createInterface({input: process.stdin}).on('line', (line) => {
	if (!line.includes('stop')) return;
	const used = process.cpuUsage(cpu);
	process.stdout.write(
		JSON.stringify({
			bytesServed: server.stats.bytesServed,
			cpuMicros: used.user + used.system,
		}) + '\n',
	);
	server.close();
	void endpoint
		.close()
		.then(async () => store.close())
		.finally(() => process.exit(0));
});
