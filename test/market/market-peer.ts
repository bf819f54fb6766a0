import type {ExecutionContext} from 'ava';
import type {TransferTerms} from '../../source/chunks/transfer/chunk-server.js';
import {MarketService, type MarketServiceOptions} from '../../source/node/market-service.js';
import type {PeerIdentity} from '../../source/wire/handshake.js';
import {type Peer, startPeer} from '../chunks/transfer-fixture.js';
import {identityOfRank, SMALL_MARKET} from './service-fixture.js';

/**
 * Every byte priced at 8 bits (the floor; a chunk lands within 152 bits of its holder once in
 * 256) and a line of 1 MB × rank at 8 bits: a rank-3 fetcher may owe 3 MB of chunks, and the
 * holder takes one line of its cheques.
 */
export const TRANSFER_MARKET = {
	...SMALL_MARKET,
	lineBytesPerRank: 1_000_000,
	lineBits: 8,
	floorBits: 8,
};

/**
 * A transfer peer (endpoint, RPC, chunk store, chunk server) whose server asks a MarketService
 * on its own LevelDB; `uploadBytesPerSecond` caps what it serves (0: the default).
 */
export async function marketPeer(
	t: ExecutionContext,
	rank: number,
	options: MarketServiceOptions & {uploadBytesPerSecond?: number} = {},
): Promise<Peer & {service: MarketService}> {
	const {uploadBytesPerSecond = 0, ...serviceOptions} = options;
	let service: MarketService | undefined;
	const peer = await startPeer(t, {
		identity: identityOfRank(rank),
		server: {
			uploadBytesPerSecond: () => uploadBytesPerSecond,
			admit: async (from: PeerIdentity, terms: TransferTerms) => service!.admit(from, terms),
		},
	});
	service = await MarketService.open(
		{
			identity: peer.identity,
			rpc: peer.rpc,
			endpoint: peer.endpoint,
			options: {dataDir: peer.dataDir},
		},
		{settings: TRANSFER_MARKET, ...serviceOptions},
	);
	t.teardown(async () => service!.close());
	return {...peer, service};
}
