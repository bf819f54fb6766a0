import dgram from 'node:dgram';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import {Rpc} from '../source/rpc/rpc.js';
import {registerPing} from '../source/rpc/ping.js';
import {Endpoint} from '../source/transport/endpoint.js';

/**
 * The other process of bench/handshake.ts: a tornet endpoint answering `ping`, and a raw UDP echo
 * socket for the baseline. Prints one JSON line with its addresses, then serves until its stdin
 * closes (so it never outlives the bench).
 */
const keyPair = generateKeyPair();
const nonce = nonceFromCounter(0n);
const identity = makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
// The handshake figure is the cost of a full handshake, so the cookie threshold is out of the way;
// `--guard` keeps the default threshold, to see what a node under that load would do.
const guarded = process.argv.includes('--guard');
const endpoint = new Endpoint({
	identity,
	host: '127.0.0.1',
	handshakesPerSecond: guarded ? undefined : Number.MAX_SAFE_INTEGER,
});
const rpc = new Rpc();
registerPing(rpc);
rpc.register('bench.stats', () => {
	const {user, system} = process.cpuUsage();
	return Buffer.from(JSON.stringify({endpoint: endpoint.stats, cpuMicros: user + system}));
});
endpoint.on('connection', (connection) => {
	rpc.attach(connection);
});
const {port} = await endpoint.listen();

const echo = dgram.createSocket({type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20});
echo.on('message', (packet, remote) => {
	echo.send(packet, remote.port, remote.address);
});
await new Promise<void>((resolve) => {
	echo.bind(0, '127.0.0.1', resolve);
});

process.stdout.write(
	JSON.stringify({
		publicKey: identity.publicKey.toString('hex'),
		port,
		echoPort: echo.address().port,
	}) + '\n',
);
process.stdin.resume();
process.stdin.on('close', async () => {
	echo.close();
	await endpoint.close();
	process.exit(0);
});
