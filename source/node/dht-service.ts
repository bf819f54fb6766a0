import {lookup as resolveName} from 'node:dns/promises';
import {isIP} from 'node:net';
import {type ChunkHoldings, PullCache} from '../chunks/pull-cache.js';
import type {ServingBudget} from '../chunks/serving-policy.js';
import {ioFirstClock} from '../dht/clock.js';
import {type DhtConfig, dhtConfig} from '../dht/config.js';
import {type BookEntry, ContactBook} from '../dht/contact-book.js';
import {type ContactIndex, NONE} from '../dht/id-table.js';
import type {LookupResult} from '../dht/lookup.js';
import {DhtNode} from '../dht/node.js';
import {RoutingTable} from '../dht/routing-table.js';
import {type Dialer, RpcNetwork} from '../dht/rpc-network.js';
import type {AdmitRequest, TagRequest} from '../dht/request-fees.js';
import {registerDhtMethods} from '../dht/rpc-server.js';
import {formatAddress, type NodeAddress, parseAddress} from '../identity/address.js';
import type {Identity} from '../identity/keys.js';
import type {Rpc} from '../rpc/rpc.js';
import {MemoryHoldings} from './memory-holdings.js';

/** What the service needs from its node (a TornetNode has all of it). */
export type DhtHost = {
	readonly identity: Identity;
	readonly endpoint: Dialer;
	/** How to dial when it is not the bare endpoint (a node also attaches its own protocols). */
	readonly dialer?: Dialer;
	readonly rpc: Rpc;
	/** Read on every serving decision, so setting changes apply at once. */
	readonly settings: {
		uploadBps: number;
		diskBytes: number;
		/** The operator's range and min popularity (queries per minute), when set. */
		rangeBits?: number;
		minPopularity?: number;
	};
};

export type DhtContact = BookEntry & {address: string};

export type DhtServiceOptions = {
	/** `<public key>@host:port` of nodes to join through. */
	bootstrap?: ReadonlyArray<string | NodeAddress>;
	config?: Partial<DhtConfig>;
	/** One request's whole budget, handshake included (RpcNetwork). */
	requestTimeoutMs?: number;
	/** Connections the DHT opens and keeps at most (RpcNetwork). */
	maxConnections?: number;
	/** Contacts the book holds at most (routing table, references, running lookups). */
	capacity?: number;
	/** How often stale buckets are looked for (each is refreshed after config.refreshMs idle). */
	maintenanceMs?: number;
	/** The chunks this node holds; an in-memory set by default. */
	holdings?: ChunkHoldings;
	/**
	 * Fetches a chunk from a holder and stores it in `holdings` (the pull cache's last step):
	 * resolves with its size, or undefined. Without it, popular chunks are found but not cached.
	 */
	fetchChunk?: (
		holder: DhtContact,
		chunkId: Buffer,
		holdings: ChunkHoldings,
	) => Promise<number | undefined>;
	/** Charge (or refuse) each paid request we answer: dht.node, dht.chunk, dht.ref. */
	admitRequest?: AdmitRequest;
	/** Tag each paid request we send, for our own ledger. */
	tagRequest?: TagRequest;
};

export type DhtLookup = Omit<LookupResult, 'closest' | 'holder'> & {closest: DhtContact[]};
export type DhtChunkSearch = Omit<LookupResult, 'closest' | 'holder' | 'holders'> & {
	holder: DhtContact | undefined;
	/** The holder that answered first, then holders named by references (extra fetch sources). */
	holders: DhtContact[];
};

export type DhtStats = {
	/** Contacts in the routing table. */
	contacts: number;
	/** Contacts in the book (table, references and the leases of recent lookups). */
	known: number;
	tableBytes: number;
	bookBytes: number;
	/** Estimate of the book's JS side tables (id map, host strings). */
	bookSideBytes: number;
	connections: number;
	connectionsClosed: number;
	lookups: number;
	chunkSearches: number;
};

/** Check for stale buckets every few minutes; a bucket is refreshed after an hour without lookups. */
const MAINTENANCE_MS = 5 * 60_000;
const MIB = 1 << 20;
/** Bootstrap addresses tried at once (each costs a handshake). */
const MAX_BOOTSTRAP = 16;
/** Joins tried in a row when no bootstrap contact answers. */
const BOOTSTRAP_ATTEMPTS = 3;

/**
 * The DHT of a running node: the ContactBook, routing table and DhtNode (the same code the
 * simulator runs), the RPC adapters both ways, the pull cache answering FIND_CHUNK, bootstrap,
 * and periodic bucket refresh.
 */
export class DhtService {
	readonly book: ContactBook;
	readonly table: RoutingTable;
	readonly node: DhtNode;
	readonly network: RpcNetwork;
	readonly cache: PullCache;
	readonly holdings: ChunkHoldings;
	private readonly host: DhtHost;
	private readonly options: DhtServiceOptions;
	private readonly bootstrapAddresses: NodeAddress[];
	private timer: NodeJS.Timeout | undefined;
	private started: Promise<void> | undefined;
	private maintaining = false;
	private closed = false;
	private lookups = 0;
	private chunkSearches = 0;

	constructor(host: DhtHost, options: DhtServiceOptions = {}) {
		this.host = host;
		this.options = options;
		this.bootstrapAddresses = (options.bootstrap ?? []).map(toAddress);
		const config = dhtConfig(options.config);
		this.book = new ContactBook({clock: ioFirstClock, capacity: options.capacity});
		const {identity} = host;
		// Our own contact never travels (the table refuses it), so its address is a placeholder.
		const self = this.book.admit(
			{
				publicKey: identity.publicKey,
				id: identity.id,
				host: '0.0.0.0',
				port: 1,
				rank: identity.rank,
			},
			true,
		);
		this.table = new RoutingTable(this.book.ids, {k: config.k});
		this.network = new RpcNetwork({
			book: this.book,
			rpc: host.rpc,
			dialer: host.dialer ?? host.endpoint,
			requestTimeoutMs: options.requestTimeoutMs,
			maxConnections: options.maxConnections,
			tagRequest: options.tagRequest,
			...(config.rankGatedReferences ? {referenceRank: identity.rank} : {}),
		});
		this.holdings = options.holdings ?? new MemoryHoldings();
		this.cache = new PullCache(
			{
				clock: ioFirstClock,
				budget: budgetOf(host),
				popularity: {capacity: 4096},
				pull: async (chunkId, holdings) => this.pull(chunkId, holdings),
			},
			identity.id,
			this.holdings,
		);
		this.node = new DhtNode({
			space: this.book,
			table: this.table,
			owner: 0,
			self,
			network: this.network,
			clock: ioFirstClock,
			config,
			chunks: this.cache,
		});
		const gate = config.rankGatedReferences ? identity.rank : undefined;
		registerDhtMethods(host.rpc, this.book, this.node, options.admitRequest, gate);
	}

	/**
	 * Joins through the bootstrap addresses (if any) and starts bucket maintenance. Idempotent: a
	 * node may call it without waiting, and a test await the same join later.
	 */
	async start(): Promise<void> {
		this.started ??= this.run();
		return this.started;
	}

	private async run(): Promise<void> {
		if (this.closed) return;
		this.timer = setInterval(() => {
			void this.maintain();
		}, this.options.maintenanceMs ?? MAINTENANCE_MS);
		this.timer.unref();
		await this.bootstrap();
	}

	/**
	 * Kademlia join: admit the addresses, look up our own id, refresh the buckets beyond our
	 * nearest neighbour. Unreachable addresses only cost their timeouts; never rejects.
	 */
	async bootstrap(more: ReadonlyArray<string | NodeAddress> = []): Promise<void> {
		for (const address of more.map(toAddress)) {
			const known = this.bootstrapAddresses.some(
				(other) => formatAddress(other) === formatAddress(address),
			);
			if (!known) this.bootstrapAddresses.push(address);
		}

		const contacts: ContactIndex[] = [];
		for (const address of this.bootstrapAddresses.slice(0, MAX_BOOTSTRAP)) {
			if (address.publicKey.equals(this.host.identity.publicKey)) continue;
			const host = await ipOf(address.host);
			if (host === undefined) continue;
			// Authoritative: the operator named this address, hearsay must not replace it.
			const index = this.book.admit(
				{publicKey: address.publicKey, host, port: address.port, rank: 0},
				true,
			);
			if (index !== NONE) contacts.push(index);
		}

		if (contacts.length === 0) return;
		// Every bootstrap contact failed (a lost handshake, a peer restarting): try again, or this
		// node would sit with a table of unanswered contacts until its next hourly refresh.
		for (let attempt = 0; attempt < BOOTSTRAP_ATTEMPTS && !this.closed; attempt++) {
			await this.node.bootstrap(contacts);
			if (contacts.some((contact) => this.answered(contact))) return;
		}
	}

	/** The k live nodes closest to `target`, found by an iterative lookup. */
	async lookup(target: Uint8Array): Promise<DhtLookup> {
		this.lookups++;
		const result = await this.node.lookup(target);
		return {...result, closest: this.contacts(result.closest)};
	}

	/** Walks toward `chunkId` until a node that serves it answers. */
	async findChunk(chunkId: Uint8Array): Promise<DhtChunkSearch> {
		this.chunkSearches++;
		const result = await this.node.findChunk(chunkId);
		const {closest: _closest, holder, holders, ...rest} = result;
		return {
			...rest,
			holder: result.found ? this.contact(holder) : undefined,
			holders: this.contacts(holders),
		};
	}

	/**
	 * Marks a chunk as held here (pinned) in the DHT's view only, so FIND_CHUNK answers that we
	 * serve it: for tests and tools that exercise the DHT alone. Content a node really holds gets
	 * into the view through its chunk store.
	 */
	hold(chunkId: Uint8Array, bytes = MIB): void {
		// StoreHoldings is a MemoryHoldings: this marks the view only, not the store.
		if (this.holdings instanceof MemoryHoldings) this.holdings.add(chunkId, bytes, true);
		else throw new TypeError('hold() needs in-memory holdings');
	}

	/**
	 * Tells the nodes nearest a chunk's id that we hold it, for chunks held away from their normal
	 * place; returns how many took the reference.
	 */
	async announce(chunkId: Uint8Array): Promise<number> {
		return this.node.pushReference(chunkId);
	}

	/** Our own table's closest contacts to `target` (no network). */
	closest(target: Uint8Array, n = this.node.config.k): DhtContact[] {
		return this.contacts(this.node.closestTo(target, n));
	}

	stats(): DhtStats {
		const book = this.book.memory();
		return {
			contacts: this.table.size(0),
			known: this.book.size,
			tableBytes: this.table.bytes,
			bookBytes: book.typedArrays,
			bookSideBytes: book.sideTables,
			connections: this.network.connections.owned,
			connectionsClosed: this.network.connectionsClosed,
			lookups: this.lookups,
			chunkSearches: this.chunkSearches,
		};
	}

	/** Stops maintenance. Connections close with the endpoint; requests in flight just fail. */
	close(): void {
		this.closed = true;
		clearInterval(this.timer);
		this.timer = undefined;
	}

	/** In our table and not failed since it last answered. */
	private answered(contact: ContactIndex): boolean {
		return this.table.has(0, contact) && this.table.failureCount(0, contact) === 0;
	}

	private async maintain(): Promise<void> {
		if (this.maintaining || this.closed) return;
		this.maintaining = true;
		try {
			// Fewer contacts than a bucket holds (a failed join, or most contacts gone): rejoin.
			if (this.table.size(0) < this.node.config.k && this.bootstrapAddresses.length > 0)
				await this.bootstrap();
			else await this.node.refresh();
		} finally {
			this.maintaining = false;
		}
	}

	private async pull(chunkId: Buffer, holdings: ChunkHoldings): Promise<number | undefined> {
		const {fetchChunk} = this.options;
		if (!fetchChunk || this.closed) return undefined;
		const result = await this.node.findChunk(chunkId);
		const holder = result.found ? this.contact(result.holder) : undefined;
		if (!holder) return undefined;
		return fetchChunk(holder, chunkId, holdings);
	}

	private contacts(indices: readonly ContactIndex[]): DhtContact[] {
		const out: DhtContact[] = [];
		for (const index of indices) {
			const contact = this.contact(index);
			if (contact) out.push(contact);
		}

		return out;
	}

	private contact(index: ContactIndex): DhtContact | undefined {
		const entry = this.book.entry(index);
		return entry && {...entry, address: formatAddress(entry)};
	}
}

/** The serving budget from the node's settings, read live. */
function budgetOf(host: DhtHost): ServingBudget {
	return {
		get uploadBytesPerSecond() {
			// 0 is the operator's "unlimited".
			return host.settings.uploadBps || Number.POSITIVE_INFINITY;
		},
		get diskBytes() {
			return host.settings.diskBytes;
		},
		get maxRange() {
			return host.settings.rangeBits;
		},
		get minRate() {
			// The console shows and sets queries per minute; the policy counts per hour.
			return (host.settings.minPopularity ?? 0) * 60;
		},
		keepFactor: 1.5, // keep a third more than is served, to follow shifts in demand
		floorRate: 1, // queries per hour: about three queries within the 1 h half-life
	};
}

function toAddress(address: string | NodeAddress): NodeAddress {
	return typeof address === 'string' ? parseAddress(address) : address;
}

async function ipOf(host: string): Promise<string | undefined> {
	if (isIP(host) !== 0) return host;
	try {
		return (await resolveName(host)).address;
	} catch {
		return undefined;
	}
}
