import type {Identity} from '../identity/keys.js';
import type {PeerIdentity} from '../wire/handshake.js';
import type {Market} from './market.js';
import type {MarketLink} from './rails/rail.js';

export function peerOf(identity: Identity): PeerIdentity {
	return {id: identity.id, publicKey: identity.publicKey, rank: identity.rank};
}

/**
 * A link to a market in the same process: the request bytes go through the server's `handle`
 * exactly as an RPC body would, without a socket. The simulator and tests use it; errors keep
 * their TornetError codes as they do over RPC.
 */
export function directLink(server: Market, client: Identity): MarketLink {
	const caller = peerOf(client);
	return {
		peer: peerOf(server.identity),
		request: async (method, body) =>
			Buffer.from(await server.handle(method, Buffer.from(body), caller)),
	};
}
