import {mkdir} from 'node:fs/promises';
import {formatAddress, parseAddress, type NodeAddress} from '../identity/address.js';
import {loadOrCreateIdentity} from '../identity/key-file.js';
import type {Identity} from '../identity/keys.js';
import {Rpc} from '../rpc/rpc.js';
import {registerPing, requestPing, type PingResult} from '../rpc/ping.js';
import {Endpoint} from '../transport/endpoint.js';
import {announceHost} from './announce-host.js';

export type NodeOptions = {
	dataDir: string;
	port?: number;
	/** Interface to bind; 0.0.0.0 by default. */
	host?: string;
	/** Host to announce in our address, when it differs from what we bind (NAT, containers). */
	announce?: string;
	minRank?: number;
	/** Tests may inject an identity instead of using the data dir's key file. */
	identity?: Identity;
};

/**
 * A tornet node: identity, one UDP endpoint, RPC. The layers above (DHT, chunks, market) attach
 * their methods to `rpc` as they land.
 */
export class TornetNode {
	readonly identity: Identity;
	readonly endpoint: Endpoint;
	readonly rpc = new Rpc();
	readonly options: NodeOptions;
	readonly startedAt = Date.now();
	private announcedHost = '127.0.0.1';
	private boundPort = 0;

	static async open(options: NodeOptions): Promise<TornetNode> {
		await mkdir(options.dataDir, {recursive: true, mode: 0o700});
		const identity = options.identity ?? (await loadOrCreateIdentity(options.dataDir)).identity;
		const node = new TornetNode(options, identity);
		await node.listen();
		return node;
	}

	private constructor(options: NodeOptions, identity: Identity) {
		this.options = options;
		this.identity = identity;
		this.endpoint = new Endpoint({
			identity,
			port: options.port,
			host: options.host ?? '0.0.0.0',
			minRank: options.minRank,
		});
		this.endpoint.on('connection', (connection) => {
			this.rpc.attach(connection);
		});
		registerPing(this.rpc);
	}

	private async listen(): Promise<void> {
		const {host, port} = await this.endpoint.listen();
		this.boundPort = port;
		this.announcedHost = this.options.announce ?? announceHost(host);
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

	async ping(address: NodeAddress | string, signal?: AbortSignal): Promise<PingResult> {
		const target = typeof address === 'string' ? parseAddress(address) : address;
		const started = performance.now();
		const connection = await this.endpoint.connect(target);
		const handshakeMs = performance.now() - started;
		this.rpc.attach(connection);
		const result = await requestPing(this.rpc, connection, signal);
		return {...result, handshakeMs};
	}

	async close(): Promise<void> {
		await this.endpoint.close();
	}
}
