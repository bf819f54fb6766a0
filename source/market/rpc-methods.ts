import type {Rpc, RequestOptions} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import type {Market} from './market.js';
import type {MarketLink} from './rails/rail.js';

/**
 * The market over RPC: every method the market answers is registered on the node's Rpc, and the
 * handler sees the peer as the handshake authenticated it (id, public key, rank), never as the
 * request claims. Settlement requests are not retried by the RPC layer: a lost answer is
 * recovered by reconciliation (market.events), not by running a settlement twice.
 */
export function registerMarketMethods(rpc: Rpc, market: Market): void {
	for (const method of market.methods) {
		rpc.register(method, async (body, {connection}) =>
			market.handle(method, body, connection.peer),
		);
	}
}

/** A MarketLink over one connection, for Market.settle, peerView and reconcile. */
export function rpcLink(
	rpc: Rpc,
	connection: Connection,
	options: RequestOptions = {},
): MarketLink {
	return {
		peer: connection.peer,
		request: async (method, body) =>
			rpc.request(connection, method, body, {timeoutMs: 5000, ...options}),
	};
}
