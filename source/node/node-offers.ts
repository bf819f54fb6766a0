import type {Admission, TransferTerms} from '../chunks/transfer/chunk-server.js';
import {ioFirstClock} from '../dht/clock.js';
import type {NodeAddress} from '../identity/address.js';
import type {Identity} from '../identity/keys.js';
import type {Market} from '../market/market.js';
import type {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import type {PeerIdentity} from '../wire/handshake.js';
import {OfferServer} from './chunk-offers.js';
import type {ContentService, Replicator} from './content-service.js';
import type {DhtService} from './dht-service.js';
import {offerAtPrice, type OfferOutcome, OfferWaivers} from './offer-client.js';
import {replicate, type ReplicateOptions, type ReplicateResult} from './replicate.js';

/** What publishing needs from its node (a TornetNode has all of it). */
export type OffersHost = {
	readonly identity: Identity;
	readonly rpc: Rpc;
	readonly content: ContentService;
	readonly dht: DhtService;
	readonly market: {readonly market: Market};
	dial(address: NodeAddress): Promise<Connection>;
};

/**
 * Publishing beyond our own store, both ways: chunk.offer served (chunk-offers.ts), and our own
 * offers after a publish (`tornet publish --replicas N`), whose pulls the chunk server serves free.
 */
export class NodeOffers {
	readonly waivers = new OfferWaivers();
	readonly server: OfferServer;
	private readonly host: OffersHost;

	constructor(host: OffersHost) {
		this.host = host;
		this.server = new OfferServer({
			identity: host.identity,
			rpc: host.rpc,
			store: host.content.store,
			holdings: host.content.holdings,
			rateOf: (key) => host.dht.cache.popularity.rate(key, ioFirstClock.now()),
			market: () => host.market.market,
			// Searches that end short of us find the copy through the reference, as after a fetch;
			// in the background: a failed announcement is only a lost source.
			onStored(chunkId) {
				void host.content.announce([chunkId], host.dht).catch(() => undefined);
			},
		});
		this.server.register();
	}

	/** The chunk server's admission for a pull of a chunk we offered the peer: free. */
	waives(peer: PeerIdentity, terms: TransferTerms): Promise<Admission> | undefined {
		const free = this.waivers.waives(peer, terms.chunkId);
		return free ? Promise.resolve(free) : undefined;
	}

	/** The chunk server's request fee hook for a peer pulling what we offered it: free. */
	waivesRequest(connection: Connection, kind: string): Promise<void> | undefined {
		return kind === 'request' && this.waivers.waivesRequests(connection.peer)
			? Promise.resolve()
			: undefined;
	}

	/** Offer one chunk we hold to one node, at its price if within `maxPrice`. */
	async offer(
		address: NodeAddress,
		chunkId: Buffer,
		maxPrice?: bigint,
	): Promise<OfferOutcome | undefined> {
		const info = await this.host.content.store.info(chunkId);
		if (!info) return undefined;
		const connection = await this.host.dial(address);
		return offerAtPrice(this.context(), connection, {id: chunkId, size: info.size}, {maxPrice});
	}

	/** After a publish: offer `ids` to the nodes nearest each (replicate.ts). */
	async replicate(ids: readonly Buffer[], options: ReplicateOptions): Promise<ReplicateResult> {
		return replicate(
			{
				...this.context(),
				store: this.host.content.store,
				dht: this.host.dht,
				ownId: this.host.identity.id,
				dial: async (address) => this.host.dial(address),
			},
			ids,
			options,
		);
	}

	/** `publish`'s replicator for these options (none for 0 replicas), reporting phase 'offer'. */
	replicator(
		options: Omit<ReplicateOptions, 'onProgress'> | undefined,
		onProgress: (progress: {phase: 'offer'; done: number; total: number}) => void,
	): Replicator | undefined {
		if (!options?.replicas) return undefined;
		return async (ids) =>
			this.replicate(ids, {
				...options,
				onProgress: (done, total) => onProgress({phase: 'offer', done, total}),
			});
	}

	private context() {
		return {rpc: this.host.rpc, market: this.host.market.market, waivers: this.waivers};
	}
}
