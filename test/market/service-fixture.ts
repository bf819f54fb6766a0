import {randomBytes} from 'node:crypto';
import type {Identity} from '../../source/identity/keys.js';
import type {MarketSettings} from '../../source/market/settings.js';
import type {ChunkTransferInfo} from '../../source/market/transfer-hooks.js';
import {MarketService, type MarketServiceOptions} from '../../source/node/market-service.js';
import type {TornetNode} from '../../source/node/node.js';
import type {Connection} from '../../source/transport/connection.js';
import {generateKeyPair, makeIdentity} from '../../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../../source/identity/rank.js';
import {testnet, type TestnetOptions} from '../helpers/testnet.js';
import {ORIGINAL_LINES} from './fixture.js';

type Teardown = {teardown(fn: () => Promise<void>): void};

/**
 * Small figures so lines bind after a few transfers: 1 credit per byte-bit, a line of
 * 1000 × rank credits, a request fee of 100, no allowance (settlements are cheques only).
 */
export const SMALL_MARKET: Partial<MarketSettings> = {
	...ORIGINAL_LINES,
	lineBytesPerRank: 1000,
	lineBits: 1,
	requestFee: 100n,
	lookupFee: 100n,
	allowancePerSecond: 0n,
};

export type MarketNode = {node: TornetNode; service: MarketService; identity: Identity};

/** A real node on loopback with its own identity of `rank` and a MarketService attached. */
export async function marketNode(
	t: Teardown,
	rank: number,
	options: MarketServiceOptions & {node?: TestnetOptions} = {},
): Promise<MarketNode> {
	const {node: nodeOptions, ...serviceOptions} = options;
	const identity = identityOfRank(rank);
	const {nodes} = await testnet(t, 1, {
		...nodeOptions,
		identity,
		market: {settings: SMALL_MARKET, ...serviceOptions},
	});
	return {node: nodes[0], service: nodes[0].market, identity};
}

/**
 * A chunk transfer stand-in over RPC, with the same hooks and the same calls the chunk transfer
 * makes: the fetcher charges before asking, the server admits before "sending" and commits what
 * it sent; an error reply releases both.
 */
export const TRANSFER_METHOD = 'test.transfer';

export function serveTransfers(server: MarketNode): void {
	const {admit} = server.service.serveHooks();
	server.node.rpc.register(TRANSFER_METHOD, async (body, {connection}) => {
		const request = decodeTransfer(body);
		const admission = await admit(connection.peer, request);
		await admission.commit(request.bytes);
		return Buffer.from('ok');
	});
}

export async function transfer(
	client: MarketNode,
	connection: Connection,
	bytes: number,
	chunkId: Buffer = randomBytes(20),
): Promise<ChunkTransferInfo> {
	const request = {chunkId, eventId: randomBytes(16), bytes};
	const admission = await client.service.fetchHooks().charge(connection.peer, request);
	try {
		// Generous: the machine may be loaded, and a lost answer would be a transfer the server
		// charged and the client released (reconcile's business, not this helper's).
		await client.node.rpc.request(connection, TRANSFER_METHOD, encodeTransfer(request), {
			timeoutMs: 20_000,
		});
	} catch (error) {
		admission.release();
		throw error;
	}

	await admission.commit(bytes);
	return request;
}

export function encodeTransfer(request: ChunkTransferInfo): Buffer {
	const bytes = Buffer.alloc(4);
	bytes.writeUInt32BE(request.bytes);
	return Buffer.concat([request.chunkId, request.eventId, bytes]);
}

function decodeTransfer(body: Buffer): ChunkTransferInfo {
	return {
		chunkId: body.subarray(0, 20),
		eventId: body.subarray(20, 36),
		bytes: body.readUInt32BE(36),
	};
}

/** An identity whose proof of work has exactly `rank` bits (so lines are exact figures). */
export function identityOfRank(rank: number): Identity {
	for (;;) {
		const keyPair = generateKeyPair();
		for (let counter = 0n; counter < 1n << BigInt(rank + 4); counter++) {
			const nonce = nonceFromCounter(counter);
			const actual = rankOf(keyPair.publicKey, nonce);
			if (actual === rank) return makeIdentity(keyPair, nonce, actual);
		}
	}
}
