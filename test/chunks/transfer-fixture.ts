import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Duplex} from 'node:stream';
import type {ExecutionContext} from 'ava';
import {ChunkStore} from '../../source/chunks/chunk-store.js';
import {suspendPartials} from '../../source/chunks/partial-chunk.js';
import {publishFile, type PublishResult} from '../../source/chunks/publish-local.js';
import {SLICE_BYTES, SLICE_HASH_BYTES} from '../../source/chunks/slices.js';
import {ChunkServer, type ChunkServerOptions} from '../../source/chunks/transfer/chunk-server.js';
import type {ChunkSource} from '../../source/chunks/transfer/fetch-session.js';
import {
	decodeGetRequest,
	GET_REQUEST_BYTES,
	okReply,
	STREAM_KIND_GET,
} from '../../source/chunks/transfer/protocol.js';
import {readBytes, writeBytes} from '../../source/chunks/transfer/stream-io.js';
import {StreamKinds} from '../../source/chunks/transfer/stream-kinds.js';
import type {Identity} from '../../source/identity/keys.js';
import {Rpc} from '../../source/rpc/rpc.js';
import {Endpoint} from '../../source/transport/endpoint.js';
import {identityWithRank} from '../helpers/identities.js';
import {patternBytes, temporaryDirectory} from './store-fixture.js';

export type PeerOptions = {
	dataDir?: string;
	identity?: Identity;
	server?: Partial<ChunkServerOptions>;
	/** Serve GETs with one byte of every slice flipped (a hostile holder). */
	hostile?: boolean;
};

/** One real node's worth of transfer: endpoint on loopback, RPC, store in a temp dir, server. */
export type Peer = {
	identity: Identity;
	endpoint: Endpoint;
	rpc: Rpc;
	store: ChunkStore;
	server: ChunkServer;
	dataDir: string;
	port: number;
	/** Closes endpoint and store (downloads in progress are suspended, to resume later). */
	close(): Promise<void>;
};

export async function startPeer(t: ExecutionContext, options: PeerOptions = {}): Promise<Peer> {
	const dataDir = options.dataDir ?? (await temporaryDirectory(t, 'tornet-transfer-'));
	const identity = options.identity ?? identityWithRank(0);
	const store = await ChunkStore.open({dataDir});
	const endpoint = new Endpoint({identity, host: '127.0.0.1'});
	const rpc = new Rpc();
	const kinds = new StreamKinds();
	const server = new ChunkServer({store, kinds, ...options.server});
	server.register(rpc);
	if (options.hostile)
		kinds.register(STREAM_KIND_GET, (stream) => void serveCorrupted(store, stream));
	endpoint.on('connection', (connection) => {
		rpc.attach(connection);
		kinds.attach(connection);
	});
	const {port} = await endpoint.listen();
	let closed = false;
	const close = async () => {
		if (closed) return;
		closed = true;
		server.close();
		await endpoint.close();
		await suspendPartials(store);
		await store.close();
	};

	t.teardown(close);
	return {identity, endpoint, rpc, store, server, dataDir, port, close};
}

/** How `fetcher` reaches `holder`: what the node builds from a DHT contact. */
export function sourceFor(fetcher: Peer, holder: Peer): ChunkSource {
	return {
		peerId: holder.identity.id,
		connect: async () =>
			fetcher.endpoint.connect({
				publicKey: holder.identity.publicKey,
				host: '127.0.0.1',
				port: holder.port,
			}),
	};
}

/** Writes `bytes` of seeded content to a file and publishes it on each peer (same link on all). */
export async function publishOn(
	t: ExecutionContext,
	peers: Peer[],
	bytes: number,
	seed = 7,
): Promise<{result: PublishResult; content: Buffer; path: string}> {
	const directory = await temporaryDirectory(t, 'tornet-transfer-src-');
	const content = patternBytes(bytes, seed);
	const path = join(directory, 'content.bin');
	await writeFile(path, content);
	let result: PublishResult | undefined;
	for (const peer of peers) {
		const published = await publishFile(peer.store, path);
		if (result && published.link !== result.link) throw new Error('links differ');
		result = published;
	}

	return {result: result!, content, path};
}

/** Stored bytes of every chunk a published link needs (what a full fetch receives). */
export async function linkBytes(store: ChunkStore): Promise<number> {
	let total = 0;
	for await (const info of store.list()) total += info.size;
	return total;
}

/** A hostile holder: answers GETs with the right length and one bit flipped in every slice. */
async function serveCorrupted(store: ChunkStore, stream: Duplex) {
	stream.on('error', () => undefined);
	const body = await readBytes(stream, GET_REQUEST_BYTES - 1, 5000);
	const request = Buffer.isBuffer(body) ? decodeGetRequest(body) : undefined;
	const entry = request && (await store.entry(request.chunkId));
	if (
		!request ||
		!entry ||
		request.first + request.count > entry.slices.length / SLICE_HASH_BYTES
	) {
		stream.destroy();
		return;
	}

	const data = Buffer.from(await store.readSlices(request.chunkId, request.first, request.count));
	for (let offset = 0; offset < data.length; offset += SLICE_BYTES) data[offset] ^= 1;
	if (await writeBytes(stream, okReply())) if (await writeBytes(stream, data)) stream.end();
}
