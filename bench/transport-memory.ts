import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import type {Connection} from '../source/transport/connection.js';
import {Endpoint} from '../source/transport/endpoint.js';

/**
 * Memory per idle connection end. A hub process (one endpoint, like a node) takes N connections
 * from N endpoints in this process (inbound ends), then dials N fresh endpoints (outbound ends);
 * after each phase it reports its own growth in heap, array buffers and RSS, after a full GC.
 * Each connection exchanged one PING and its ACK (the handshake's confirmation), as a DHT
 * contact that was reached once and is kept does.
 *
 *   npx tsx bench/transport-memory.ts [--connections 500] [--json]
 */
type Memory = {heap: number; arrayBuffers: number; rss: number};

function identity() {
	const keyPair = generateKeyPair();
	const nonce = nonceFromCounter(0n);
	return makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
}

function memory(): Memory {
	globalThis.gc?.();
	globalThis.gc?.();
	const usage = process.memoryUsage();
	return {heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss};
}

async function settle(): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 300));
}

if (process.argv[2] === 'hub') {
	// The hub: one endpoint; commands on stdin, one JSON answer line each.
	const endpoint = new Endpoint({identity: identity(), host: '127.0.0.1', maxConnections: 65_536});
	const {port} = await endpoint.listen();
	const outbound: Connection[] = [];
	const lines = createInterface({input: process.stdin});
	const reply = (value: unknown) => {
		process.stdout.write(JSON.stringify(value) + '\n');
	};

	lines.on('line', async (line) => {
		const command = JSON.parse(line) as {
			measure?: boolean;
			dial?: Array<{port: number; publicKey: string}>;
		};
		if (command.measure) {
			await settle();
			reply({memory: memory(), connections: endpoint.connectionCount});
		} else if (command.dial) {
			for (const peer of command.dial) {
				const address = {host: '127.0.0.1', port: peer.port};
				const publicKey = Buffer.from(peer.publicKey, 'hex');
				outbound.push(await endpoint.connect({...address, publicKey}));
			}

			reply({dialed: outbound.length});
		}
	});
	reply({port, publicKey: endpoint.identity.publicKey.toString('hex')});
} else {
	const argv = process.argv.slice(2);
	const index = argv.indexOf('--connections');
	const count = index === -1 ? 500 : Number(argv[index + 1]);
	const json = argv.includes('--json');
	const here = fileURLToPath(import.meta.url);
	const child = spawn(process.execPath, ['--expose-gc', '--import=tsx', here, 'hub'], {
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	const answers = createInterface({input: child.stdout});
	const pending: Array<(value: Record<string, unknown>) => void> = [];
	answers.on('line', (line) => pending.shift()?.(JSON.parse(line) as Record<string, unknown>));
	const next = async () =>
		new Promise<Record<string, unknown>>((resolve) => {
			pending.push(resolve);
		});
	const ask = async (command: unknown) => {
		const answer = next();
		child.stdin.write(JSON.stringify(command) + '\n');
		return answer;
	};

	const hello = await next();
	const hub = {
		host: '127.0.0.1',
		port: Number(hello['port']),
		publicKey: Buffer.from(String(hello['publicKey']), 'hex'),
	};
	const endpoints: Endpoint[] = [];
	const spoke = async () => {
		const endpoint = new Endpoint({identity: identity(), host: '127.0.0.1'});
		await endpoint.listen();
		endpoints.push(endpoint);
		return endpoint;
	};

	// One connection first, so the hub's one-off costs (its send ring, code) are in the baseline.
	await (await spoke()).connect(hub);
	const before = (await ask({measure: true}))['memory'] as Memory;
	for (let i = 0; i < count; i++) await (await spoke()).connect(hub);
	const inbound = (await ask({measure: true}))['memory'] as Memory;
	const targets = [];
	for (let i = 0; i < count; i++) {
		const endpoint = await spoke();
		targets.push({port: endpoint.address().port, publicKey: endpoint.identity.publicKey});
	}

	await ask({dial: targets.map((t) => ({port: t.port, publicKey: t.publicKey.toString('hex')}))});
	const outbound = (await ask({measure: true}))['memory'] as Memory;
	child.kill();
	await Promise.all(endpoints.map(async (endpoint) => endpoint.close()));

	const per = (from: Memory, to: Memory) => ({
		heap: Math.round((to.heap - from.heap) / count),
		arrayBuffers: Math.round((to.arrayBuffers - from.arrayBuffers) / count),
		rss: Math.round((to.rss - from.rss) / count),
	});
	const result = {
		connections: count,
		inbound: per(before, inbound),
		outbound: per(inbound, outbound),
	};
	console.log(`bytes per idle connection end at the hub (${count} of each, after a full GC)`);
	console.log('end        heap  arrayBuffers    rss');
	for (const side of ['inbound', 'outbound'] as const) {
		const {heap, arrayBuffers, rss} = result[side];
		console.log(
			`${side.padEnd(8)} ${String(heap).padStart(6)}  ${String(arrayBuffers).padStart(12)}  ${String(rss).padStart(6)}`,
		);
	}

	if (json) console.log(JSON.stringify(result));
}
