import {EventEmitter} from 'node:events';
import {mkdir} from 'node:fs/promises';
import {formatAddress, parseAddress, type NodeAddress} from '../identity/address.js';
import {idToHex} from '../identity/id.js';
import {loadOrCreateIdentity} from '../identity/key-file.js';
import type {Identity} from '../identity/keys.js';
import {registerPing, requestPing, type PingResult} from '../rpc/ping.js';
import {Rpc} from '../rpc/rpc.js';
import type {Connection} from '../transport/connection.js';
import {Endpoint} from '../transport/endpoint.js';
import {announceHost} from './announce-host.js';
import type {Writable} from 'node:stream';
import {ChunkServer} from '../chunks/transfer/chunk-server.js';
import {type Gateway, startGateway} from '../gateway/gateway-server.js';
import {networkContent} from './network-content.js';
import {MarketService, type MarketServiceOptions, registerMarketControl} from './market-service.js';
import type {FetchProgress} from '../chunks/transfer/fetch-link.js';
import {ioFirstClock} from '../dht/clock.js';
import {
	type FetchContext,
	fetchContent,
	fetchedBytes,
	type NodeFetchResult,
	pullChunk,
} from './content-fetch.js';
import {chunkStats} from './chunk-stats.js';
import {ContentService, type NodePublishResult} from './content-service.js';
import {assertNoNodeRunning, ControlServer} from './control-server.js';
import {registerNodeControl} from './node-control.js';
import {DhtService, type DhtServiceOptions} from './dht-service.js';
import {loadSettings, saveSettings, validateSettings} from './settings.js';
import type {Settings, Snapshot} from './snapshot.js';
import {JobTracker} from './jobs.js';
import {StatsSampler} from './stats-sampler.js';
import {NodeOffers} from './node-offers.js';
import type {ReplicateOptions} from './replicate.js';
import {RTT_PROBE_MS, RttTable} from './rtt-table.js';

export type NodeOptions = {
	dataDir: string;
	port?: number;
	/** Interface to bind; 0.0.0.0 by default. */
	host?: string;
	/** Host to announce in our address, when it differs from what we bind (NAT, containers). */
	announce?: string;
	/** Override the saved settings for this run (the CLI's --min-rank, --disk, --upload). */
	minRank?: number;
	diskBytes?: number;
	uploadBps?: number;
	/** Tests may inject an identity instead of using the data dir's key file. */
	identity?: Identity;
	/** Produce a stats snapshot every second (the console and control socket read it). */
	stats?: boolean;
	/** Listen on the data directory's control socket for one-shot commands (`tornet status` …). */
	control?: boolean;
	/** Serve the read-only HTTP gateway on this localhost port (0 picks one); none by default. */
	gatewayPort?: number;
	/** `<public key>@host:port` of nodes to join the DHT through (the CLI's --bootstrap). */
	bootstrap?: string[];
	/** Market options (tests and benchmarks); `<data>/market.json` holds the operator's. */
	market?: MarketServiceOptions;
	/** DHT tuning (tests and benchmarks); the bootstrap list comes from `bootstrap`. */
	dht?: Omit<DhtServiceOptions, 'bootstrap'>;
};

type NodeEvents = {snapshot: [snapshot: Snapshot]};

/**
 * A tornet node: identity, one UDP endpoint, RPC, the DHT, settings and the 1 Hz stats snapshot.
 * The layers above (chunks, market) attach their methods to `rpc` as they land.
 */
export class TornetNode extends EventEmitter<NodeEvents> {
	readonly identity: Identity;
	readonly endpoint: Endpoint;
	readonly rpc = new Rpc();
	readonly dht: DhtService;
	/** The chunk store and publishing. */
	readonly content: ContentService;
	/** Publishes and fetches, running and recent, for the snapshot. */
	readonly jobs = new JobTracker();
	/** Ledger, prices, credit lines and settlement (opened in open(), before listen()). */
	market!: MarketService;
	/** Serves chunk slices to peers, within the upload setting. */
	readonly chunkServer: ChunkServer;
	/** chunk.offer both ways: storing others' chunks for pay, offering ours (publish --replicas). */
	readonly offers: NodeOffers;
	/** Dials with every protocol of this node attached (RPC, chunk streams). */
	readonly dialer = {connect: async (address: NodeAddress) => this.dial(address)};
	readonly options: NodeOptions;
	readonly startedAt = Date.now();
	private currentSettings: Settings;
	private announcedHost = '127.0.0.1';
	private boundPort = 0;
	private readonly rtt = new RttTable();
	private readonly timers: NodeJS.Timeout[] = [];
	private sampler: StatsSampler | undefined;
	private latest: Snapshot | undefined;
	private control: ControlServer | undefined;
	/** The HTTP gateway, when the node serves one. */
	gateway: Gateway | undefined;

	static async open(options: NodeOptions): Promise<TornetNode> {
		await mkdir(options.dataDir, {recursive: true, mode: 0o700});
		// Before any database is opened: a second node gets a clear refusal, not a lock error.
		await assertNoNodeRunning(options.dataDir);
		const identity = options.identity ?? (await loadOrCreateIdentity(options.dataDir)).identity;
		const settings = await loadSettings(options.dataDir);
		if (options.minRank !== undefined) settings.minRank = options.minRank;
		if (options.diskBytes !== undefined) settings.diskBytes = options.diskBytes;
		if (options.uploadBps !== undefined) settings.uploadBps = options.uploadBps;
		const content = await ContentService.open(options.dataDir, settings.diskBytes);
		const node = new TornetNode(options, identity, settings, content);
		try {
			node.market = await MarketService.open(node, {
				...options.market,
				resolve: async (peerId) => node.dht.closest(peerId, 1).find((c) => c.id.equals(peerId)),
			});
			await node.listen();
		} catch (error) {
			await node.market?.close();
			await content.close();
			throw error;
		}

		return node;
	}

	private constructor(
		options: NodeOptions,
		identity: Identity,
		settings: Settings,
		content: ContentService,
	) {
		super();
		this.options = options;
		this.content = content;
		this.identity = identity;
		this.currentSettings = settings;
		this.endpoint = new Endpoint({
			identity,
			port: options.port,
			host: options.host ?? '0.0.0.0',
			minRank: settings.minRank,
		});
		this.chunkServer = new ChunkServer({
			store: content.store,
			uploadBytesPerSecond: () => this.currentSettings.uploadBps,
			// Every transfer is priced and reserved against the peer's credit line before a byte moves.
			admit: async (peer, terms) =>
				this.offers.waives(peer, terms) ?? this.market.admit(peer, terms),
			admitRequest: async (...request) =>
				this.offers.waivesRequest(request[0], request[1]) ?? this.market.admitRequest(...request),
		});
		this.endpoint.on('connection', (connection) => {
			this.attach(connection);
		});
		registerPing(this.rpc);
		this.chunkServer.register(this.rpc);
		this.dht = new DhtService(this, {
			holdings: content.holdings,
			fetchChunk: async (holder, chunkId) => pullChunk(this.fetchContext(), holder, chunkId),
			admitRequest: async (...request) => this.market.admitRequest(...request),
			tagRequest: (peer, kind) => this.market?.tagRequest(peer, kind),
			...options.dht,
			bootstrap: options.bootstrap,
		});
		this.offers = new NodeOffers(this);
	}

	private async listen(): Promise<void> {
		const {host, port} = await this.endpoint.listen();
		this.boundPort = port;
		this.announcedHost = this.options.announce ?? announceHost(host);
		if (this.options.stats) this.startStats();
		if (this.options.control) {
			this.control = new ControlServer(this.options.dataDir);
			registerNodeControl(this.control, this);
			registerMarketControl(this.control, this.market);
			try {
				await this.control.listen();
			} catch (error) {
				await this.endpoint.close();
				throw error;
			}
		}

		if (this.options.gatewayPort !== undefined) {
			try {
				this.gateway = await startGateway({
					port: this.options.gatewayPort,
					content: networkContent(this.fetchContext()),
				});
			} catch (error) {
				await this.control?.close();
				await this.endpoint.close();
				throw error;
			}
		}

		// The join runs in the background: a node is useful (and answers) before it completes.
		void this.dht.start();
	}

	get port(): number {
		return this.boundPort;
	}

	/** This node's address, `<public key>@host:port`, as others should dial it. */
	get address(): string {
		return formatAddress({
			publicKey: this.identity.publicKey,
			host: this.announcedHost,
			port: this.boundPort,
		});
	}

	get settings(): Settings {
		return {...this.currentSettings};
	}

	/** Validate, apply at once, and persist. */
	async updateSettings(change: Partial<Settings>): Promise<Settings> {
		const next = validateSettings({...this.currentSettings, ...change});
		await saveSettings(this.options.dataDir, next);
		this.currentSettings = next;
		this.endpoint.minRank = next.minRank;
		this.content.store.setDiskBytes(next.diskBytes);
		// Range and min popularity bound the serving plan: replan now rather than within 10 s.
		this.dht.cache.plan(ioFirstClock.now());
		return this.settings;
	}

	/** The latest 1 Hz snapshot (taken now if stats are off or none exists yet). */
	snapshot(): Snapshot {
		this.latest ??= this.takeSnapshot();
		return this.latest;
	}

	async ping(address: NodeAddress | string, signal?: AbortSignal): Promise<PingResult> {
		const target = typeof address === 'string' ? parseAddress(address) : address;
		const started = performance.now();
		const connection = await this.dial(target);
		const handshakeMs = performance.now() - started;
		const result = await requestPing(this.rpc, connection, signal);
		this.rtt.record(connection, result.rttMs);
		return {...result, handshakeMs};
	}

	/**
	 * Publishes a file or directory (an absolute path, or relative to this process's directory):
	 * stored here and announced; shown in the snapshot's jobs while it runs.
	 */
	async publish(
		path: string,
		onProgress?: (progress: {phase: string; done: number; total: number}) => void,
		replication?: Omit<ReplicateOptions, 'onProgress'>,
	): Promise<NodePublishResult> {
		const job = this.jobs.start('publish', path);
		const report = (progress: {phase: string; done: number; total: number}) => {
			if (progress.phase === 'store')
				this.jobs.progress(job, {doneBytes: progress.done, totalBytes: progress.total});
			onProgress?.(progress);
		};
		const replicator = this.offers.replicator(replication, report);
		try {
			const result = await this.content.publish(path, this.dht, report, undefined, replicator);
			this.jobs.finish(job, {link: result.link});
			return result;
		} catch (error) {
			this.jobs.finish(job, {error: error instanceof Error ? error.message : String(error)});
			throw error;
		}
	}

	/**
	 * Fetches what a link names into a path (written atomically) or a stream, from the holders the
	 * DHT finds; shown in the snapshot's jobs while it runs.
	 */
	async fetch(
		link: string,
		out: string | Writable,
		onProgress?: (progress: FetchProgress) => void,
		signal?: AbortSignal,
	): Promise<NodeFetchResult> {
		const job = this.jobs.start('fetch', link, typeof out === 'string' ? out : '-');
		try {
			const {result, chunkIds} = await fetchContent(
				this.fetchContext(),
				link,
				out,
				(progress) => {
					this.jobs.progress(job, {
						doneBytes: fetchedBytes(progress),
						totalBytes: progress.bytesTotal,
						sources: progress.sources,
					});
					onProgress?.(progress);
				},
				signal,
			);
			this.jobs.finish(job, {});
			// Tell the nodes near each chunk's id that we hold a copy now: later fetchers find us
			// as one more source. In the background; a failed announcement is only a lost source.
			void this.content.announce(chunkIds, this.dht).catch(() => undefined);
			return result;
		} catch (error) {
			this.jobs.finish(job, {error: error instanceof Error ? error.message : String(error)});
			throw error;
		}
	}

	/** Connects (or reuses the connection) with every protocol of this node attached. */
	async dial(address: NodeAddress): Promise<Connection> {
		const connection = await this.endpoint.connect(address);
		this.attach(connection);
		return connection;
	}

	private attach(connection: Connection): void {
		this.rpc.attach(connection);
		this.chunkServer.attach(connection);
	}

	private fetchContext(): FetchContext {
		return {
			store: this.content.store,
			dht: this.dht,
			rpc: this.rpc,
			dial: async (address) => this.dial(address),
			...this.market.fetchHooks(),
		};
	}

	async close(): Promise<void> {
		this.chunkServer.close();
		this.dht.close();
		await this.market.flushFees(); // while the peers can still be told
		await this.gateway?.close();
		for (const timer of this.timers) clearInterval(timer);
		await this.control?.close();
		await this.endpoint.close();
		await this.market.close();
		await this.content.close();
	}

	private startStats(): void {
		const every = (ms: number, run: () => void) => {
			const timer = setInterval(run, ms);
			timer.unref();
			this.timers.push(timer);
		};

		every(1000, () => {
			this.latest = this.takeSnapshot();
			this.emit('snapshot', this.latest);
		});
		every(RTT_PROBE_MS, () => {
			for (const connection of this.endpoint.connections()) {
				if (!connection.isOpen) continue;
				requestPing(this.rpc, connection).then(
					(result) => {
						this.rtt.record(connection, result.rttMs);
					},
					() => undefined, // A lost probe is the next probe's business.
				);
			}
		});
	}

	private takeSnapshot(): Snapshot {
		this.sampler ??= new StatsSampler({
			idHex: idToHex(this.identity.id),
			address: this.address,
			rank: this.identity.rank,
			port: this.boundPort,
			startedAt: this.startedAt,
			connections: () => this.endpoint.connections(),
			rttOf: (connection) => this.rtt.get(connection),
			settings: () => this.settings,
		});
		const snapshot = this.sampler.sample();
		snapshot.chunks = chunkStats(
			this.dht.cache,
			this.content.holdings,
			this.identity.id,
			ioFirstClock.now(),
		);
		snapshot.store = {
			usedBytes: this.content.store.usedBytes,
			budgetBytes: this.currentSettings.diskBytes,
		};
		snapshot.jobs = this.jobs.list();
		snapshot.credit = this.market.credit();
		const dht = this.dht.stats();
		snapshot.dht = {contacts: dht.contacts, known: dht.known};
		return snapshot;
	}
}
