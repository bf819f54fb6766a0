import {randomBytes} from 'node:crypto';
import test, {type ExecutionContext} from 'ava';
import {
	decodeFindChunkReply,
	DHT_METHODS,
	encodeFindChunkRequest,
	encodeStoreReferenceRequest,
} from '../../source/dht/messages.js';
import {parseAddress} from '../../source/identity/address.js';
import type {Identity} from '../../source/identity/keys.js';
import type {TornetNode} from '../../source/node/node.js';
import {identityWithRank} from '../helpers/identities.js';
import {testnet} from '../helpers/testnet.js';

/** The advertising rule is a DHT setting, off by default (docs/economics.md says why). */
const gated = {config: {rankGatedReferences: true}};

async function nodeWith(t: ExecutionContext, identity: Identity, on = true): Promise<TornetNode> {
	const {nodes} = await testnet(t, 1, {identity, ...(on ? {dht: gated} : {})});
	return nodes[0];
}

/** Three nodes of strictly increasing rank, joined into one DHT. */
async function ranked(t: ExecutionContext, on = true) {
	// Rank 1 at least: a rank-0 peer has no credit line, so even its lookups are refused.
	const low = identityWithRank(1);
	const mid = identityWithRank(low.rank + 1);
	const high = identityWithRank(mid.rank + 1);
	const nodes = [
		await nodeWith(t, low, on),
		await nodeWith(t, mid, on),
		await nodeWith(t, high, on),
	];
	await nodes[1].dht.bootstrap([nodes[0].address]);
	await nodes[2].dht.bootstrap([nodes[0].address, nodes[1].address]);
	await nodes[0].dht.bootstrap([nodes[1].address, nodes[2].address]);
	return nodes;
}

/** The holders a node's reference table names for `chunkId`, asked over the wire. */
async function referencedAt(asker: TornetNode, node: TornetNode, chunkId: Buffer) {
	const connection = await asker.dial(parseAddress(node.address));
	const reply = decodeFindChunkReply(
		await asker.rpc.request(connection, DHT_METHODS.findChunk, encodeFindChunkRequest(chunkId, 4)),
	);
	if (reply instanceof Error) throw reply;
	return reply.holders.map((holder) => holder.id.toString('hex'));
}

test('with rank-gated references a node advertises only to nodes ranked below it', async (t) => {
	const [low, mid, high] = await ranked(t);
	const chunkId = randomBytes(20);
	t.is(await high.dht.announce(chunkId), 2, 'both lower-ranked nodes took the reference');
	const highHex = high.identity.id.toString('hex');
	t.deepEqual(await referencedAt(high, low, chunkId), [highHex]);
	t.deepEqual(await referencedAt(high, mid, chunkId), [highHex]);

	const other = randomBytes(20);
	t.is(await low.dht.announce(other), 0, 'nobody ranks below the lowest node');
	t.is(await mid.dht.announce(other), 1, 'only the lowest node ranks below the middle one');
	t.deepEqual(await referencedAt(high, low, other), [mid.identity.id.toString('hex')]);
	t.deepEqual(await referencedAt(mid, high, other), []);
});

test('with rank-gated references a node refuses a reference from a peer not ranked above it', async (t) => {
	const [low, mid] = await ranked(t);
	const chunkId = randomBytes(20);
	// Sent over the wire by hand: the sender's own gate would not send it.
	const connection = await low.dial(parseAddress(mid.address));
	const error = await t.throwsAsync(
		low.rpc.request(connection, DHT_METHODS.storeReference, encodeStoreReferenceRequest(chunkId)),
	);
	t.is((error as {code?: string}).code, 'RANK_TOO_LOW');
	t.deepEqual(await referencedAt(low, mid, chunkId), []);
});

test('by default references go to the nearest nodes whatever their rank', async (t) => {
	const [low, mid, high] = await ranked(t, false);
	const chunkId = randomBytes(20);
	t.is(await low.dht.announce(chunkId), 2);
	t.deepEqual(await referencedAt(mid, high, chunkId), [low.identity.id.toString('hex')]);
});
