import {spawn, type ChildProcess} from 'node:child_process';
import dgram from 'node:dgram';
import {once} from 'node:events';
import net from 'node:net';
import {createInterface} from 'node:readline';
import type {Writable} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {generateKeyPair, makeIdentity} from '../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../source/identity/rank.js';
import type {CongestionKind} from '../source/transport/controllers.js';
import {Endpoint} from '../source/transport/endpoint.js';
import {createUdx} from './transport-udx.js';

/**
 * The sending side of bench/transport.ts: one function per contender, each against a fresh
 * receiving process (bench/transport-peer.ts), optionally through a relay process
 * (bench/transport-relay.ts). Every result counts what the receiver got, first byte to last.
 */
export type Limits = {
	seconds: number;
	bytes: number;
	/** tornet's stream high-water mark (unacknowledged bytes before write() says wait). */
	highWaterMark?: number;
	/** tornet's congestion controller (the endpoint's default when absent). */
	congestion?: CongestionKind;
};
export type Path = {loss: number; delay: number; seed: number};
export type Measured = {
	MBps: number;
	/** CPU seconds per GB delivered, sender and receiver together. */
	cpuPerGB: number;
	bytes: number;
	packet?: number;
	lost?: number;
	rttMs?: number;
	/** CPU seconds per GB of each side (tornet). */
	senderCpuPerGB?: number;
	receiverCpuPerGB?: number;
	/** Packets the receiver sent (ACKs, window updates) per 100 data packets (tornet). */
	acksPer100?: number;
	/** Congestion window at the end (bytes) and the controller (tornet). */
	cwnd?: number;
	congestion?: string;
};

const SOCKET_BUFFER = 4 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a); // never modified: streams may keep it by reference
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

type Child = {
	child: ChildProcess;
	info: Record<string, unknown>;
	next(): Promise<Record<string, unknown>>;
	send(command: Record<string, unknown>): void;
};

async function start(script: string, args: string[]): Promise<Child> {
	// TORNET_BENCH_NODE_OPTIONS='--cpu-prof' profiles the receiving processes too.
	const extra = process.env['TORNET_BENCH_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [];
	const child = spawn(process.execPath, [...extra, '--import=tsx', here(script), ...args], {
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	const lines = createInterface({input: child.stdout!});
	const queue: string[] = [];
	const waiters: Array<(line: string) => void> = [];
	lines.on('line', (line) => {
		const waiter = waiters.shift();
		if (waiter) waiter(line);
		else queue.push(line);
	});
	const next = async () => {
		const line =
			queue.shift() ??
			(await new Promise<string>((resolve) => {
				waiters.push(resolve);
			}));
		return JSON.parse(line) as Record<string, unknown>;
	};

	const info = await next();
	return {
		child,
		info,
		next,
		send(command) {
			child.stdin!.write(JSON.stringify(command) + '\n');
		},
	};
}

/** A receiver, and the port to send to (the relay's when the path is impaired). */
async function receiver(mode: string, path: Path | undefined) {
	const peer = await start('transport-peer.ts', [mode]);
	const relay = path
		? await start('transport-relay.ts', [
				String(peer.info['port']),
				String(path.loss),
				String(path.delay),
				String(path.seed),
			])
		: undefined;
	const port = Number((relay ?? peer).info['port']);
	const stop = () => {
		relay?.child.stdin!.end();
		// The peer exits by itself after its report (a profile, if asked for, is written then).
		setTimeout(() => peer.child.kill(), 5000).unref();
	};

	return {peer, port, stop};
}

function result(report: Record<string, unknown>, senderCpu: number): Measured {
	const bytes = Number(report['bytes']);
	const ms = Number(report['ms']);
	const cpu = senderCpu + Number(report['cpuMicros']);
	return {
		MBps: ms > 0 ? bytes / ms / 1000 : 0,
		cpuPerGB: bytes > 0 ? cpu / 1e6 / (bytes / 1e9) : 0,
		bytes,
	};
}

/** Writes CHUNK until the time or byte limit, honouring backpressure, then ends the stream. */
async function pump(stream: Writable, limits: Limits): Promise<void> {
	const deadline = performance.now() + limits.seconds * 1000;
	let written = 0;
	while (performance.now() < deadline && written < limits.bytes) {
		written += CHUNK.length;
		if (!stream.write(CHUNK)) await once(stream, 'drain');
	}

	stream.end();
}

/** node:dgram from an unconnected socket, as fast as it goes: the ceiling of this stack. */
export async function measureRaw(size: number, limits: Limits): Promise<Measured> {
	const {peer, port, stop} = await receiver('raw', undefined);
	const socket = dgram.createSocket({type: 'udp4', sendBufferSize: SOCKET_BUFFER});
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	const packet = Buffer.alloc(size, 0x5a);
	let inFlight = 0;
	const done = () => {
		inFlight--;
	};

	const cpu = process.cpuUsage();
	const deadline = performance.now() + limits.seconds * 1000;
	let sent = 0;
	while (performance.now() < deadline && sent < limits.bytes) {
		// Keep the send queue short: a blast that only grows node's queue measures nothing.
		for (let i = 0; i < 64 && inFlight < 512; i++, inFlight++, sent += size) {
			socket.send(packet, port, '127.0.0.1', done);
		}

		await new Promise((resolve) => setImmediate(resolve));
	}

	const used = process.cpuUsage(cpu);
	peer.send({stop: true});
	const report = await peer.next();
	socket.close();
	stop();
	return {...result(report, used.user + used.system), packet: size};
}

export async function measureTcp(limits: Limits): Promise<Measured> {
	const {peer, port, stop} = await receiver('tcp', undefined);
	const socket = net.connect(port, '127.0.0.1');
	await once(socket, 'connect');
	const cpu = process.cpuUsage();
	await pump(socket, limits);
	const report = await peer.next();
	const used = process.cpuUsage(cpu);
	socket.destroy();
	stop();
	return result(report, used.user + used.system);
}

export async function measureUdx(limits: Limits, path?: Path): Promise<Measured> {
	const {peer, port, stop} = await receiver('udx', path);
	const udx = createUdx();
	const socket = udx.createSocket();
	socket.bind(0, '127.0.0.1');
	socket.setRecvBufferSize(SOCKET_BUFFER);
	socket.setSendBufferSize(SOCKET_BUFFER);
	// Through the relay both ends talk to the relay's port; it tells them apart by source port.
	peer.send({peerPort: path ? port : socket.address().port});
	const stream = udx.createStream(1);
	stream.on('error', () => undefined);
	stream.connect(socket, 2, port, '127.0.0.1');
	const cpu = process.cpuUsage();
	await pump(stream, limits);
	const report = await peer.next();
	const used = process.cpuUsage(cpu);
	stream.destroy();
	await socket.close();
	stop();
	return {...result(report, used.user + used.system), packet: Number(report['mtu'])};
}

export async function measureTornet(
	maxPacketSize: number,
	limits: Limits,
	path?: Path,
): Promise<Measured> {
	const {peer, port, stop} = await receiver('tornet', path);
	const keyPair = generateKeyPair();
	const nonce = nonceFromCounter(0n);
	const identity = makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
	const endpoint = new Endpoint({identity, host: '127.0.0.1'});
	await endpoint.listen();
	const connection = await endpoint.connect(
		{publicKey: Buffer.from(String(peer.info['publicKey']), 'hex'), host: '127.0.0.1', port},
		{maxPacketSize, congestion: limits.congestion},
	);
	const stream = connection.openStream({highWaterMark: limits.highWaterMark});
	stream.on('error', () => undefined);
	const cpu = process.cpuUsage();
	await pump(stream, limits);
	const report = await peer.next();
	const used = process.cpuUsage(cpu);
	const stats = connection.stats.snapshot();
	await endpoint.close();
	stop();
	const measured = result(report, used.user + used.system);
	const gb = measured.bytes / 1e9;
	const peerStats = report['stats'] as {packetsSent: number} | undefined;
	return {
		...measured,
		packet: stats.mtu,
		lost: stats.packetsLost,
		rttMs: Number(stats.rttMs.toFixed(2)),
		senderCpuPerGB: gb > 0 ? Number(((used.user + used.system) / 1e6 / gb).toFixed(2)) : 0,
		receiverCpuPerGB: gb > 0 ? Number((Number(report['cpuMicros']) / 1e6 / gb).toFixed(2)) : 0,
		cwnd: stats.cwnd,
		congestion: stats.congestion,
		acksPer100: peerStats
			? Number(((100 * peerStats.packetsSent) / stats.packetsSent).toFixed(2))
			: undefined,
	};
}
