import dgram from 'node:dgram';
import net from 'node:net';
import {createInterface} from 'node:readline';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import {Endpoint} from '../source/transport/endpoint.js';
import {createUdx} from './transport-udx.js';

/**
 * The receiving process of bench/transport.ts, one mode per run: raw | udx | tcp | tornet.
 * Prints a JSON line `{port, publicKey}` when ready, reads JSON commands on stdin
 * (`{"peerPort": n}` for udx, `{"stop": true}` to end a raw blast), and prints one JSON result line
 * `{bytes, ms, cpuMicros, …}` measured from the first byte received to the last.
 */
const mode = process.argv[2];
const SOCKET_BUFFER = 4 * 1024 * 1024;
const lines = createInterface({input: process.stdin});
const commands: Array<(command: Record<string, unknown>) => void> = [];
lines.on('line', (line) => {
	const command = JSON.parse(line) as Record<string, unknown>;
	for (const handler of commands) handler(command);
});

let bytes = 0;
let first = Number.NaN;
let last = Number.NaN;
let cpuAtFirst: NodeJS.CpuUsage | undefined;
function count(length: number): void {
	if (bytes === 0) {
		first = performance.now();
		cpuAtFirst = process.cpuUsage();
	}

	bytes += length;
	last = performance.now();
}

function report(extra: Record<string, unknown> = {}): void {
	const cpu = process.cpuUsage(cpuAtFirst);
	const ms = Number.isNaN(first) ? 0 : last - first;
	process.stdout.write(
		JSON.stringify({bytes, ms, cpuMicros: cpu.user + cpu.system, ...extra}) + '\n',
	);
	setTimeout(() => process.exit(0), 50);
}

function ready(info: Record<string, unknown>): void {
	process.stdout.write(JSON.stringify(info) + '\n');
}

switch (mode) {
	case 'raw': {
		const socket = dgram.createSocket({
			type: 'udp4',
			recvBufferSize: SOCKET_BUFFER,
			sendBufferSize: SOCKET_BUFFER,
		});
		socket.on('message', (packet) => {
			count(packet.length);
		});
		await new Promise<void>((resolve) => {
			socket.bind(0, '127.0.0.1', resolve);
		});
		commands.push((command) => {
			// Packets still queued in the socket are counted before the report.
			if (command['stop']) setTimeout(() => report(), 100);
		});
		ready({port: socket.address().port});
		break;
	}

	case 'tcp': {
		const server = net.createServer((socket) => {
			socket.on('data', (chunk: Buffer) => {
				count(chunk.length);
			});
			socket.on('end', () => {
				report();
			});
		});
		await new Promise<void>((resolve) => {
			server.listen(0, '127.0.0.1', resolve);
		});
		ready({port: (server.address() as net.AddressInfo).port});
		break;
	}

	case 'udx': {
		const udx = createUdx();
		const socket = udx.createSocket();
		socket.bind(0, '127.0.0.1');
		socket.setRecvBufferSize(SOCKET_BUFFER);
		socket.setSendBufferSize(SOCKET_BUFFER);
		const stream = udx.createStream(2);
		stream.on('data', (chunk: Buffer) => {
			count(chunk.length);
		});
		stream.on('end', () => {
			report({mtu: stream.mtu});
			stream.end();
		});
		stream.on('error', () => undefined);
		commands.push((command) => {
			if (typeof command['peerPort'] === 'number') {
				stream.connect(socket, 1, command['peerPort'], '127.0.0.1');
			}
		});
		ready({port: socket.address().port});
		break;
	}

	case 'tornet': {
		const keyPair = generateKeyPair();
		const nonce = nonceFromCounter(0n);
		const identity = makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
		const endpoint = new Endpoint({identity, host: '127.0.0.1'});
		endpoint.on('connection', (connection) => {
			connection.on('stream', (stream) => {
				stream.on('data', (chunk: Buffer) => {
					count(chunk.length);
				});
				stream.on('end', () => {
					stream.end();
					report({stats: connection.stats.snapshot()});
				});
				stream.on('error', () => undefined);
			});
		});
		const {port} = await endpoint.listen();
		ready({port, publicKey: identity.publicKey.toString('hex')});
		break;
	}

	default: {
		console.error(`unknown mode ${mode}`);
		process.exit(2);
	}
}
