import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import dgram from 'node:dgram';
import {once} from 'node:events';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {parseArgs} from 'node:util';
import type {Connection} from '../../source/transport/connection.js';
import {Endpoint} from '../../source/transport/endpoint.js';
import {MAC_BYTES} from '../../source/wire/cookie.js';
import {hasValidMac1, responderKeys} from '../../source/wire/handshake.js';
import {HEADER_BYTES} from '../../source/wire/header-protection.js';
import {unmaskHeader} from '../../source/wire/session.js';
import {identityWithRank} from '../helpers/identities.js';
import {type Datagram, readPcap, writePcap} from './pcap.js';
import {type GroupSummary, summarize} from './statistics.js';

/**
 * `npx tsx test/traffic/traffic.ts [--sessions N] [--max-packet BYTES] [--json] [--keep DIR]`
 *
 * Traffic analysis of real tornet endpoints on loopback: N sessions (a fresh client identity each:
 * handshake, pings, datagrams, a stream of random size echoed back) to one server, captured with
 * tcpdump (or, without it, by a recording relay written out as a pcap). For each packet class
 * (initiations, responses, data) it measures per-byte-position entropy, chi-square against
 * uniform and the most common value's share, and the length distribution; the same figures over
 * random bytes of the same lengths are the baseline, and the data packets with header protection
 * undone are the control (they must show structure, or the analysis could not find any). If
 * ndpiReader is installed, it classifies the capture. With --json the last line is one JSON object.
 */
const {values} = parseArgs({
	options: {
		sessions: {type: 'string'},
		'max-packet': {type: 'string'},
		json: {type: 'boolean'},
		keep: {type: 'string'},
	},
});
const sessions = Number(values.sessions ?? 200);
// Path MTU probing on loopback climbs to 65,000-byte datagrams; the internet ceiling (1452) gives
// the lengths an observer on a real path would see. 0 keeps the endpoint's own ceiling.
const maxPacket = Number(values['max-packet'] ?? 1452);
const transport = maxPacket > 0 ? {maxPacketSize: maxPacket} : {};
const json = values.json ?? false;
const log = (line: string) => {
	if (json) console.error(line);
	else console.log(line);
};

const directory = values.keep ?? mkdtempSync(join(tmpdir(), 'tornet-traffic-'));
const pcapPath = join(directory, 'tornet.pcap');

function has(command: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** tcpdump on lo for the server's port; resolves once it listens. */
async function startTcpdump(port: number): Promise<ChildProcess> {
	const child = spawn(
		'tcpdump',
		['-i', 'lo', '-n', '-U', '-s', '0', '-w', pcapPath, 'udp', 'and', 'port', String(port)],
		{stdio: ['ignore', 'ignore', 'pipe']},
	);
	let stderr = '';
	await new Promise<void>((resolve, reject) => {
		child.stderr!.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
			if (stderr.includes('listening on')) resolve();
		});
		child.on('exit', (code) => {
			reject(new Error(`tcpdump exited with ${code}: ${stderr.trim()}`));
		});
	});
	return child;
}

/** Without tcpdump: a relay in front of the server that records both directions. */
async function startRecordingRelay(serverPort: number) {
	const socket = dgram.createSocket('udp4');
	const captured: Datagram[] = [];
	const clients = new Map<number, number>(); // relay-side port per client port is one socket here
	socket.on('message', (packet, remote) => {
		const time = Date.now() / 1000;
		if (remote.port === serverPort) {
			const client = clients.get(-1)!;
			captured.push({time, source: serverPort, destination: client, payload: Buffer.from(packet)});
			socket.send(packet, client, '127.0.0.1');
			return;
		}

		clients.set(-1, remote.port);
		captured.push({
			time,
			source: remote.port,
			destination: serverPort,
			payload: Buffer.from(packet),
		});
		socket.send(packet, serverPort, '127.0.0.1');
	});
	socket.bind(0, '127.0.0.1');
	await once(socket, 'listening');
	return {port: socket.address().port, captured, close: () => socket.close()};
}

async function echo(connection: Connection): Promise<void> {
	connection.on('stream', (stream) => {
		const chunks: Buffer[] = [];
		stream.on('data', (chunk: Buffer) => chunks.push(chunk));
		stream.on('end', () => stream.end(Buffer.concat(chunks)));
		stream.on('error', () => undefined);
	});
	connection.on('datagram', (data) => {
		if (connection.isOpen) connection.sendDatagram(data);
	});
}

/** One session: handshake, pings, a few datagrams, a stream of random size there and back. */
async function session(
	serverKey: Buffer,
	port: number,
	clientPorts: Map<number, Buffer>,
): Promise<void> {
	const client = new Endpoint({identity: identityWithRank(0), host: '127.0.0.1', transport});
	const address = await client.listen();
	clientPorts.set(address.port, (client as unknown as {headerKey: Buffer}).headerKey);
	try {
		const connection = await client.connect({publicKey: serverKey, host: '127.0.0.1', port});
		for (let i = 0; i < 3; i++) connection.sendPing();
		for (let i = 0; i < 1 + (port % 3); i++)
			connection.sendDatagram(randomBytes(20 + Math.floor(Math.random() * 200)));
		const stream = connection.openStream();
		const size = Math.floor(Math.random() * 40_000);
		const received: Buffer[] = [];
		stream.on('data', (chunk: Buffer) => received.push(chunk));
		stream.end(randomBytes(size));
		await once(stream, 'end');
		if (Buffer.concat(received).length !== size) throw new Error('echo lost bytes');
		connection.sendPing();
		await delay(5);
	} finally {
		await client.close();
	}
}

const server = new Endpoint({identity: identityWithRank(0), host: '127.0.0.1', transport});
const {port: serverPort} = await server.listen();
server.on('connection', (connection) => {
	void echo(connection);
});
const serverHeaderKey = (server as unknown as {headerKey: Buffer}).headerKey;
const useTcpdump = has('tcpdump') && process.getuid?.() === 0;
const tcpdump = useTcpdump ? await startTcpdump(serverPort) : undefined;
const relay = useTcpdump ? undefined : await startRecordingRelay(serverPort);
const dialPort = relay?.port ?? serverPort;
log(
	`capturing with ${useTcpdump ? 'tcpdump -i lo' : 'a recording relay (tcpdump not available)'}; ${sessions} sessions`,
);
const clientHeaderKeys = new Map<number, Buffer>();
const started = performance.now();
for (let i = 0; i < sessions; i++) {
	// eslint-disable-next-line no-await-in-loop -- sessions one after another, like separate users
	await session(server.identity.publicKey, dialPort, clientHeaderKeys);
}

const seconds = (performance.now() - started) / 1000;
await delay(300);
await server.close();
let datagrams: Datagram[];
if (tcpdump) {
	tcpdump.kill('SIGINT');
	await once(tcpdump, 'exit');
	datagrams = readPcap(readFileSync(pcapPath));
} else {
	relay!.close();
	datagrams = relay!.captured;
	writeFileSync(pcapPath, writePcap(datagrams));
}

// ---- classify what was captured (with the server's key, which an observer lacks) ----
// Client ports are reused across sessions, so a flow's handshake is found by its mac1, and the
// server's next packet to that port is the response.
const initiations: Buffer[] = [];
const responses: Buffer[] = [];
const data: Buffer[] = [];
const unmasked: Buffer[] = [];
const awaitingResponse = new Set<number>();
const serverKeys = responderKeys(server.identity.publicKey);
const scratch = Buffer.alloc(MAC_BYTES);
for (const datagram of datagrams) {
	const toServer = datagram.destination === serverPort;
	const clientPort = toServer ? datagram.source : datagram.destination;
	if (toServer && hasValidMac1(datagram.payload, serverKeys, scratch)) {
		initiations.push(datagram.payload);
		awaitingResponse.add(clientPort);
		continue;
	}

	if (!toServer && awaitingResponse.delete(clientPort)) {
		responses.push(datagram.payload);
		continue;
	}

	data.push(datagram.payload);
	// The control: the same packets with header protection undone by the receiver's header key.
	const headerKey = toServer ? serverHeaderKey : clientHeaderKeys.get(clientPort);
	const header = new Uint8Array(HEADER_BYTES);
	if (headerKey && unmaskHeader(datagram.payload, headerKey, header))
		unmasked.push(Buffer.concat([header, datagram.payload.subarray(HEADER_BYTES)]));
}

function baseline(packets: Buffer[]): Buffer[] {
	return packets.map((packet) => randomBytes(packet.length));
}

type Row = {name: string; summary: GroupSummary; baseline: GroupSummary};
const rows: Row[] = [
	['handshake initiations', initiations],
	['handshake responses', responses],
	['data packets', data],
	['all packets', datagrams.map((d) => d.payload)],
	['control: data, header unmasked', unmasked],
].map(([name, packets]) => {
	const {stats: _s, ...summary} = summarize(packets as Buffer[]);
	const {stats: _b, ...base} = summarize(baseline(packets as Buffer[]));
	return {name: name as string, summary, baseline: base};
});

// ---- nDPI, on the capture and on a baseline: the same flows, lengths and timing, random bytes ----
const baselinePcap = join(directory, 'random-baseline.pcap');
writeFileSync(
	baselinePcap,
	writePcap(
		datagrams.map((datagram) => ({...datagram, payload: randomBytes(datagram.payload.length)})),
	),
);

function ndpiReader(path: string): Record<string, {packets: number; flows: number}> | undefined {
	if (!has('ndpiReader')) return undefined;
	const output = execFileSync('ndpiReader', ['-i', path, '-v', '1'], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const section = output.split('Detected protocols:')[1]?.split('Protocol statistics')[0] ?? '';
	const classes: Record<string, {packets: number; flows: number}> = {};
	for (const match of section.matchAll(
		/^\s+([\w.-]+)\s+packets: (\d+)\s+bytes: \d+\s+flows: (\d+)/gm,
	))
		classes[match[1]] = {packets: Number(match[2]), flows: Number(match[3])};
	return classes;
}

const ndpi = {tornet: ndpiReader(pcapPath), randomBaseline: ndpiReader(baselinePcap)};

// ---- report ----
const f = (value: number, digits = 2) => value.toFixed(digits);
log(
	`\n${datagrams.length} datagrams in ${seconds.toFixed(1)} s: ${initiations.length} initiations, ${responses.length} responses, ${data.length} data packets`,
);
log(
	'\nper byte position (first and last 64 positions): captured vs random bytes of the same lengths',
);
log(
	'class                             packets  min entropy   max chi²   min p (Bonf.)  biased pos.  top-value share',
);
for (const {name, summary, baseline: base} of rows) {
	log(
		`${name.padEnd(32)} ${String(summary.packets).padStart(8)}  ${f(summary.minEntropy)} / ${f(base.minEntropy)}  ${f(summary.maxChiSquare, 0).padStart(5)} / ${f(base.maxChiSquare, 0).padStart(4)}  ${summary.minP.toExponential(1)} / ${base.minP.toExponential(1)}  ${String(summary.biasedPositions).padStart(3)} / ${base.biasedPositions}  ${f(summary.maxTopShare, 3)} / ${f(base.maxTopShare, 3)}`,
	);
}

log('\npacket lengths');
log(
	'class                             distinct   min    max   most common (share)   length entropy (bits)',
);
for (const {name, summary} of rows) {
	const l = summary.lengths;
	log(
		`${name.padEnd(32)} ${String(l.distinct).padStart(8)} ${String(l.min).padStart(5)} ${String(l.max).padStart(6)}   ${String(l.mostCommon).padStart(5)} (${f(l.mostCommonShare * 100, 1)}%)         ${f(l.entropy)}`,
	);
}

if (ndpi.tornet) {
	const flows = (classes: Record<string, {flows: number}>) =>
		Object.entries(classes)
			.map(([name, {flows: count}]) => `${name} ${count} flows`)
			.join(', ');
	log(`\nndpiReader on the capture: ${flows(ndpi.tornet)}`);
	log(`ndpiReader on random bytes, same flows and lengths: ${flows(ndpi.randomBaseline!)}`);
} else {
	log('\nndpiReader not installed (apt-get install libndpi-bin)');
}
log(`capture: ${pcapPath}`);
if (json) {
	console.log(
		JSON.stringify({
			capture: useTcpdump ? 'tcpdump' : 'relay',
			sessions,
			maxPacket,
			datagrams: datagrams.length,
			classes: Object.fromEntries(
				rows.map(({name, summary, baseline: base}) => [
					name,
					{
						...summary,
						baselineMinEntropy: base.minEntropy,
						baselineMaxChiSquare: base.maxChiSquare,
						baselineBiasedPositions: base.biasedPositions,
						baselineMaxTopShare: base.maxTopShare,
					},
				]),
			),
			ndpi: ndpi.tornet ?? null,
			ndpiRandomBaseline: ndpi.randomBaseline ?? null,
		}),
	);
}
