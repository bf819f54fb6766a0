import {TornetError} from '../errors.js';
import type {NodeAddress} from '../identity/address.js';

/** Peers remembered; the oldest is forgotten first (a settle to it then needs a resolver). */
export const MAX_PEER_ADDRESSES = 4096;

/**
 * The last address each peer connected from or was dialled at, by id (hex), so the market can
 * reach a peer it has an account with (`tornet settle <peer>`, reconciliation). Bounded: the
 * least recently seen peer goes first.
 */
export class PeerAddresses {
	private readonly byId = new Map<string, NodeAddress>();
	private readonly max: number;

	constructor(max = MAX_PEER_ADDRESSES) {
		this.max = max;
	}

	get size(): number {
		return this.byId.size;
	}

	remember(idHex: string, address: NodeAddress): void {
		this.byId.delete(idHex);
		this.byId.set(idHex, address);
		if (this.byId.size > this.max) this.byId.delete(this.byId.keys().next().value!);
	}

	get(idHex: string): NodeAddress | undefined {
		return this.byId.get(idHex);
	}

	ids(): IterableIterator<string> {
		return this.byId.keys();
	}
}

/**
 * The one id among `known` that `input` names: a whole id or a unique prefix of one (hex, any
 * case). BAD_ARGUMENT for text that is not hex, names nobody, or names several peers.
 */
export function resolvePeerId(input: string, known: Iterable<string>): string {
	const wanted = input.trim().toLowerCase();
	if (!/^[\da-f]{1,40}$/.test(wanted))
		throw TornetError.badArgument(
			`a peer is named by its id in hex (or a prefix), not ${JSON.stringify(input)}`,
		);
	const matches = new Set<string>();
	for (const id of known) if (id.startsWith(wanted)) matches.add(id);
	if (matches.size === 0) throw TornetError.badArgument(`no peer ${wanted} in the ledger`);
	if (matches.size > 1) {
		const some = [...matches].slice(0, 3).map((id) => id.slice(0, 12));
		throw TornetError.badArgument(
			`${wanted} names ${matches.size} peers (${some.join(', ')}…): give more digits`,
		);
	}

	return [...matches][0];
}
