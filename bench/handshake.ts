import {spawn} from 'node:child_process';
import dgram from 'node:dgram';
import {once} from 'node:events';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import {Rpc} from '../source/rpc/rpc.js';
import {requestPing} from '../source/rpc/ping.js';
import {Endpoint} from '../source/transport/endpoint.js';

/**
 * Handshakes/s and ping round trips/s between two processes on loopback, against raw node:dgram
 * round trips measured in the same run.
 *
 *   npm run bench:handshake -- [--seconds N] [--clients N] [--inflight N] [--guard] [--json]
 *
 * --guard keeps the server's default cookie threshold (handshakes above it cost a cookie round trip).
 */
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
	const index = argv.indexOf(`--${name}`);
	const value = index === -1 ? Number.NaN : Number(argv[index + 1]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
};

const seconds = flag('seconds', 5);
const clients = flag('clients', 8); // concurrent handshake loops, each its own endpoint and identity
const inflight = flag('inflight', 32);
const json = argv.includes('--json');
const guard = argv.includes('--guard');
const ECHO_BYTES = 64; // about the size of a padded ping request
const LOST_MS = 250; // a raw echo not back by then is counted lost and replaced

type ServerInfo = {publicKey: string; port: number; echoPort: number};

function identity() {
	const keyPair = generateKeyPair();
	const nonce = nonceFromCounter(0n);
	return makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
}

async function startServer() {
	const script = fileURLToPath(new URL('handshake-server.ts', import.meta.url));
	const child = spawn(process.execPath, ['--import=tsx', script, ...(guard ? ['--guard'] : [])], {
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	const lines = createInterface({input: child.stdout});
	const [line] = (await once(lines, 'line')) as [string];
	return {child, info: JSON.parse(line) as ServerInfo};
}

/** Run `worker` in `parallel` loops for `ms`; each resolved call counts one. */
async function rate(parallel: number, ms: number, worker: (loop: number) => Promise<void>) {
	const deadline = performance.now() + ms;
	let done = 0;
	let failed = 0;
	const loop = async (_: unknown, index: number) => {
		while (performance.now() < deadline) {
			try {
				await worker(index);
				done++;
			} catch {
				failed++;
			}
		}
	};

	const cpu = process.cpuUsage();
	const started = performance.now();
	await Promise.all(Array.from({length: parallel}, loop));
	const {user, system} = process.cpuUsage(cpu);
	return {
		perSecond: (done * 1000) / (performance.now() - started),
		failed,
		/** CPU of this process per completed call, in µs: steadier than rates on a shared machine. */
		cpuMicros: done > 0 ? (user + system) / done : 0,
	};
}

/** One connection to the server for pings and for reading its counters and CPU time. */
async function control(info: ServerInfo) {
	const endpoint = new Endpoint({identity: identity(), host: '127.0.0.1'});
	await endpoint.listen();
	const rpc = new Rpc();
	const connection = await endpoint.connect({
		publicKey: Buffer.from(info.publicKey, 'hex'),
		host: '127.0.0.1',
		port: info.port,
	});
	rpc.attach(connection);
	const serverStats = async () =>
		JSON.parse((await rpc.request(connection, 'bench.stats', Buffer.alloc(0))).toString()) as {
			endpoint: Record<string, number>;
			cpuMicros: number;
		};

	return {endpoint, rpc, connection, serverStats};
}

type Control = Awaited<ReturnType<typeof control>>;

async function handshakes(info: ServerInfo) {
	const address = {
		publicKey: Buffer.from(info.publicKey, 'hex'),
		host: '127.0.0.1',
		port: info.port,
	};
	const endpoints = await Promise.all(
		Array.from({length: clients}, async () => {
			const endpoint = new Endpoint({identity: identity(), host: '127.0.0.1'});
			await endpoint.listen();
			return endpoint;
		}),
	);
	// Each loop owns one endpoint: connect, then close so that the next connect is a new handshake.
	const result = await rate(clients, seconds * 1000, async (loop) => {
		const endpoint = endpoints[loop];
		const connection = await endpoint.connect(address);
		connection.close('bench reconnects');
	});
	await Promise.all(endpoints.map(async (endpoint) => endpoint.close()));
	return result;
}

/** Server CPU per completed call during `phase`, from its counters before and after. */
async function withServerCpu<T extends {perSecond: number}>(
	link: Control,
	phase: () => Promise<T>,
): Promise<T & {serverCpuMicros: number}> {
	const before = await link.serverStats();
	const started = performance.now();
	const result = await phase();
	const elapsed = performance.now() - started;
	const after = await link.serverStats();
	const calls = (result.perSecond * elapsed) / 1000;
	return {...result, serverCpuMicros: calls > 0 ? (after.cpuMicros - before.cpuMicros) / calls : 0};
}

/** Raw UDP round trips to the server's echo socket, `window` in flight. */
async function rawEcho(info: ServerInfo, window: number, ms: number) {
	const socket = dgram.createSocket({
		type: 'udp4',
		recvBufferSize: 4 << 20,
		sendBufferSize: 4 << 20,
	});
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	socket.connect(info.echoPort, '127.0.0.1');
	await once(socket, 'connect');
	const outstanding = new Map<number, number>();
	let sequence = 0;
	let done = 0;
	let lost = 0;
	let running = true;
	const send = () => {
		const packet = Buffer.alloc(ECHO_BYTES);
		packet.writeUInt32BE(sequence, 0);
		outstanding.set(sequence++, performance.now());
		socket.send(packet);
	};

	socket.on('message', (packet) => {
		if (!outstanding.delete(packet.readUInt32BE(0))) return;
		done++;
		if (running) send();
	});
	const reaper = setInterval(() => {
		const now = performance.now();
		for (const [id, sentAt] of outstanding) {
			if (now - sentAt < LOST_MS) continue;
			outstanding.delete(id);
			lost++;
			if (running) send();
		}
	}, 50);
	const started = performance.now();
	for (let i = 0; i < window; i++) send();
	await new Promise((resolve) => setTimeout(resolve, ms));
	running = false;
	const elapsed = performance.now() - started;
	clearInterval(reaper);
	socket.close();
	return {perSecond: (done * 1000) / elapsed, lost};
}

function format(value: number) {
	return Math.round(value).toLocaleString('en-US');
}

const {child, info} = await startServer();
try {
	await rawEcho(info, 1, 300); // warm up both processes
	const rawSequential = await rawEcho(info, 1, seconds * 1000);
	const rawPipelined = await rawEcho(info, inflight, seconds * 1000);
	const link = await control(info);
	const handshake = await withServerCpu(link, async () => handshakes(info));
	const ping = async () => {
		await requestPing(link.rpc, link.connection);
	};

	for (let i = 0; i < 200; i++) await ping(); // warm up the JIT on both sides
	const sequential = await withServerCpu(link, async () => rate(1, seconds * 1000, ping));
	const pipelined = await withServerCpu(link, async () => rate(inflight, seconds * 1000, ping));
	const {endpoint: serverCounters} = await link.serverStats();
	await link.endpoint.close();
	const result = {
		seconds,
		clients,
		inflight,
		handshakesPerSec: Math.round(handshake.perSecond),
		handshakeFailures: handshake.failed,
		pingRttPerSec: Math.round(sequential.perSecond),
		pingPipelinedPerSec: Math.round(pipelined.perSecond),
		rawEchoPerSec: Math.round(rawSequential.perSecond),
		rawEchoPipelinedPerSec: Math.round(rawPipelined.perSecond),
		/** How many raw UDP round trips fit in the time of one ping RPC (1 in flight). */
		ratio: Number((rawSequential.perSecond / sequential.perSecond).toFixed(2)),
		pipelinedRatio: Number((rawPipelined.perSecond / pipelined.perSecond).toFixed(2)),
		handshakeClientCpuMicros: Math.round(handshake.cpuMicros),
		handshakeServerCpuMicros: Math.round(handshake.serverCpuMicros),
		pingClientCpuMicros: Math.round(pipelined.cpuMicros),
		pingServerCpuMicros: Math.round(pipelined.serverCpuMicros),
		serverCookieReplies: serverCounters['cookieRepliesSent'] ?? 0,
	};
	const rows: Array<[string, string]> = [
		[`full handshakes (${clients} clients reconnecting)`, format(result.handshakesPerSec)],
		['ping RPC round trips, 1 in flight', format(result.pingRttPerSec)],
		[`ping RPC round trips, ${inflight} in flight`, format(result.pingPipelinedPerSec)],
		[`raw dgram echo (${ECHO_BYTES} B), 1 in flight`, format(result.rawEchoPerSec)],
		[
			`raw dgram echo (${ECHO_BYTES} B), ${inflight} in flight`,
			format(result.rawEchoPipelinedPerSec),
		],
	];
	const width = Math.max(...rows.map(([label]) => label.length));
	console.log(`tornet handshake bench: two processes on loopback, ${seconds} s per row`);
	console.log(`${'what'.padEnd(width)}  per second`);
	for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value.padStart(10)}`);
	console.log(
		`raw / ping ratio: ${result.ratio}× (1 in flight), ${result.pipelinedRatio}× (${inflight} in flight)`,
	);
	console.log(
		`CPU per handshake: ${result.handshakeClientCpuMicros} µs client, ${result.handshakeServerCpuMicros} µs server;`,
		`per pipelined ping: ${result.pingClientCpuMicros} µs client, ${result.pingServerCpuMicros} µs server`,
	);
	if (handshake.failed > 0) console.log(`${handshake.failed} handshakes failed`);
	if (rawSequential.lost + rawPipelined.lost > 0)
		console.log(`${rawSequential.lost + rawPipelined.lost} raw echoes lost`);
	if (json) console.log(JSON.stringify(result));
} finally {
	child.stdin!.end();
	child.kill();
}
