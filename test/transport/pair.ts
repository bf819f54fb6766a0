import {once} from 'node:events';
import type {Readable, Writable} from 'node:stream';
import type {Connection, TransportOptions} from '../../source/transport/connection.js';
import {Endpoint, type EndpointOptions} from '../../source/transport/endpoint.js';
import type {TornetStream} from '../../source/transport/stream.js';
import {identityWithRank} from '../helpers/identities.js';
import {type PacketHook, seededRandom, startRelay} from '../helpers/relay.js';

type Teardown = {teardown(fn: () => Promise<void> | void): void};

export type PairOptions = {
	server?: Partial<EndpointOptions>;
	client?: Partial<EndpointOptions>;
	/** Options of the client's connect(). */
	connect?: TransportOptions;
	/** Put a relay between them that applies this hook to every packet. */
	hook?: PacketHook;
};

/**
 * Two endpoints on loopback UDP, real crypto, optionally through the test relay; `connection` is
 * the client's, `inbound` the server's. Everything closes when the test ends.
 */
export async function pair(t: Teardown, options: PairOptions = {}) {
	const server = new Endpoint({
		identity: identityWithRank(0),
		host: '127.0.0.1',
		...options.server,
	});
	const client = new Endpoint({
		identity: identityWithRank(0),
		host: '127.0.0.1',
		...options.client,
	});
	const {port} = await server.listen();
	await client.listen();
	const relay = options.hook
		? await startRelay({host: '127.0.0.1', port}, options.hook)
		: undefined;
	t.teardown(async () => {
		await client.close();
		await server.close();
		await relay?.close();
	});
	const inbound: Connection[] = [];
	server.on('connection', (connection) => {
		inbound.push(connection);
	});
	const connection = await client.connect(
		{publicKey: server.identity.publicKey, host: '127.0.0.1', port: relay?.port ?? port},
		options.connect,
	);
	// The server answered before the client finished, so its connection exists. A lost response
	// makes the client retry: earlier server connections were replaced, so take the open one.
	const open = inbound.filter((candidate) => candidate.isOpen);
	if (open.length !== 1) throw new Error(`expected one open server connection, not ${open.length}`);
	return {server, client, connection, inbound: open[0], relay};
}

/** `length` bytes from a seeded generator: a failing transfer can be replayed. */
export function seededBytes(length: number, seed: number): Buffer {
	const random = seededRandom(seed);
	const out = Buffer.allocUnsafe(length);
	let i = 0;
	for (; i + 4 <= length; i += 4) out.writeUInt32LE((random() * 4_294_967_296) >>> 0, i);
	for (; i < length; i++) out[i] = (random() * 256) | 0;
	return out;
}

/** Everything a stream delivers until its end; rejects on its error. */
export async function collect(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	stream.on('data', (chunk: Buffer) => {
		chunks.push(chunk);
	});
	await once(stream, 'end');
	return Buffer.concat(chunks);
}

/** Writes `data` in `chunk`-sized writes, waiting for 'drain' when asked to, then ends. */
export async function writeAll(stream: Writable, data: Buffer, chunk = 64 * 1024): Promise<void> {
	for (let at = 0; at < data.length; at += chunk) {
		if (!stream.write(data.subarray(at, at + chunk))) await once(stream, 'drain');
	}

	stream.end();
}

/** Resolves on the next 'stream' the connection emits. */
export async function nextStream(connection: Connection): Promise<TornetStream> {
	const [stream] = (await once(connection, 'stream')) as [TornetStream];
	return stream;
}
