import {TornetError} from '../errors.js';
import type {PeerIdentity} from '../wire/handshake.js';
import type {Connection} from '../transport/connection.js';
import {Reader} from '../util/varint.js';
import {decodeHostPort, encodeHostPort, type HostPort} from './observed-address.js';
import type {Rpc} from './rpc.js';

/** `ping` answers with the address the request came from, so a node learns how others see it (NAT). */
export const PING = 'ping';

export type PingResult = {
	rttMs: number;
	handshakeMs: number;
	peer: PeerIdentity;
	observed: HostPort;
};

export function registerPing(rpc: Rpc): void {
	rpc.register(PING, (_body, {connection}) =>
		encodeHostPort({host: connection.host, port: connection.port}),
	);
}

export async function requestPing(
	rpc: Rpc,
	connection: Connection,
	signal?: AbortSignal,
): Promise<PingResult> {
	const started = performance.now();
	const body = await rpc.request(connection, PING, new Uint8Array(0), {retries: 2, signal});
	const rttMs = performance.now() - started;
	const observed = decodeHostPort(new Reader(body));
	if (!observed) throw TornetError.badMessage('malformed ping answer');
	return {rttMs, handshakeMs: 0, peer: connection.peer, observed};
}
