import {randomBytes} from 'node:crypto';
import {lookup} from 'node:dns/promises';
import {EventEmitter} from 'node:events';
import {isIP} from 'node:net';
import {TornetError} from '../errors.js';
import type {Identity} from '../identity/keys.js';
import type {NodeAddress} from '../identity/address.js';
import {CookieJar, MAC_BYTES} from '../wire/cookie.js';
import {
	createResponse,
	hasValidMac1,
	mac1Of,
	readInitiation,
	responderKeys,
	type ResponderKeys,
} from '../wire/handshake.js';
import {HEADER_BYTES, HEADER_KEY_BYTES} from '../wire/header-protection.js';
import {Session, unmaskHeader} from '../wire/session.js';
import {Connection, type ConnectionHost, type TransportOptions} from './connection.js';
import {ConnectionTable} from './connection-table.js';
import {Dialer} from './dialer.js';
import {CloseCode} from './frames.js';
import {HandshakeGuard} from './handshake-guard.js';
import {UdpSocket} from './udp-socket.js';

export type EndpointOptions = {
	identity: Identity;
	port?: number;
	host?: string;
	/** Peers below this proof-of-work rank are refused before any state is kept for them. */
	minRank?: number;
	maxConnections?: number;
	/** Initiations per second above which the endpoint demands cookies. */
	handshakesPerSecond?: number;
	handshakeTimeoutMs?: number;
	/** Defaults for every connection; connect() may override them for its own. */
	transport?: TransportOptions;
};

export type EndpointStats = {
	packetsIn: number;
	junkPackets: number;
	handshakesAccepted: number;
	handshakesRejected: number;
	rankRejected: number;
	replayedInitiations: number;
	cookieRepliesSent: number;
};

/** How full each per-peer table is; each has a fixed bound, so a flood cannot grow memory. */
export type EndpointTables = {
	connections: number;
	unconfirmed: number;
	handshakes: number;
	cookies: number;
	peers: number;
	timestamps: number;
};

type EndpointEvents = {
	connection: [connection: Connection];
	listening: [];
	close: [];
};

/** A responder connection not confirmed by a packet from the initiator within this time is dropped. */
const UNCONFIRMED_TIMEOUT_MS = 10_000;

/**
 * One UDP socket for all connections: handshakes in both roles, the connection table, and the
 * dispatch of every datagram. Bad datagrams of any kind are counted and dropped, never thrown.
 */
export class Endpoint extends EventEmitter<EndpointEvents> {
	readonly identity: Identity;
	readonly stats: EndpointStats = {
		packetsIn: 0,
		junkPackets: 0,
		handshakesAccepted: 0,
		handshakesRejected: 0,
		rankRejected: 0,
		replayedInitiations: 0,
		cookieRepliesSent: 0,
	};

	minRank: number;
	private readonly socket: UdpSocket;
	private readonly options: EndpointOptions;
	private readonly table: ConnectionTable<Connection>;
	private readonly selfKeys: ResponderKeys;
	private readonly headerKey = randomBytes(HEADER_KEY_BYTES);
	private readonly header = new Uint8Array(HEADER_BYTES);
	private readonly macScratch = Buffer.alloc(MAC_BYTES);
	private readonly cookieJar: CookieJar;
	private readonly guard: HandshakeGuard;
	private readonly peers = new Map<string, Connection>();
	private readonly dialer: Dialer;
	private readonly link: ConnectionHost;
	private ticker: NodeJS.Timeout | undefined;
	private closed = false;
	/** Responder connections not yet confirmed by the initiator: kept as a count, read per initiation. */
	private unconfirmed = 0;

	constructor(options: EndpointOptions) {
		super();
		this.options = options;
		this.identity = options.identity;
		this.minRank = options.minRank ?? 0;
		this.table = new ConnectionTable(options.maxConnections ?? 4096);
		this.selfKeys = responderKeys(options.identity.publicKey);
		this.cookieJar = new CookieJar(options.identity.publicKey);
		this.guard = new HandshakeGuard(options.handshakesPerSecond ?? 500);
		const type = options.host && isIP(options.host) === 6 ? 'udp6' : 'udp4';
		this.socket = new UdpSocket(type, (packet, host, port) => {
			this.receive(packet, host, port);
		});
		this.link = {
			packetBuffer: (length) => this.socket.packetBuffer(length),
			sendPacket: (packet, host, port) => {
				this.socket.send(packet, host, port, true);
			},
			cork: () => {
				this.socket.cork();
			},
			uncork: () => {
				this.socket.uncork();
			},
			release: (connection) => {
				this.release(connection);
			},
			confirmed: () => {
				this.unconfirmed--;
			},
			now: () => performance.now(),
		};
		this.dialer = new Dialer({
			identity: this.identity,
			headerKey: this.headerKey,
			link: this.link,
			minRank: () => this.minRank,
			add: (connection) => this.table.add(connection),
			send: (packet, host, port) => {
				this.send(packet, host, port);
			},
			established: (connection) => {
				this.peers.set(connection.peer.publicKey.toString('hex'), connection);
			},
			count: (what) => {
				this.stats[what]++;
			},
		});
	}

	async listen(): Promise<{host: string; port: number}> {
		await this.socket.bind(this.options.port ?? 0, this.options.host);
		this.ticker = setInterval(() => {
			this.tick();
		}, 1000);
		this.ticker.unref();
		this.emit('listening');
		return this.address();
	}

	address(): {host: string; port: number} {
		return this.socket.address();
	}

	get connectionCount(): number {
		return this.table.size;
	}

	tableSizes(): EndpointTables {
		return {
			connections: this.table.size,
			unconfirmed: this.unconfirmed,
			handshakes: this.dialer.pendingHandshakes,
			cookies: this.dialer.cookieCount,
			peers: this.peers.size,
			timestamps: this.guard.rememberedIdentities,
		};
	}

	connections(): Connection[] {
		return [...this.table.values()];
	}

	/**
	 * An open connection to the peer, reusing one that exists (a `congestion` option then switches
	 * its controller). `options` override the endpoint's transport defaults for a new connection.
	 */
	async connect(address: NodeAddress, options: TransportOptions = {}): Promise<Connection> {
		if (this.closed) throw TornetError.socketClosed();
		const key = address.publicKey.toString('hex');
		const existing = this.peers.get(key);
		if (existing?.isOpen) {
			if (options.congestion) existing.setCongestion(options.congestion);
			return existing;
		}

		const host = isIP(address.host) ? address.host : await this.resolve(address.host);
		return this.dialer.dial({...address, host}, {...this.options.transport, ...options});
	}

	async close(): Promise<void> {
		if (this.closed) return;
		clearInterval(this.ticker);
		// Close connections before marking the endpoint closed: `send` drops everything after, and
		// peers should hear our CLOSE frames instead of waiting out their idle timeout. At once: to
		// let streams drain first, close the connections (connection.close()) before the endpoint.
		for (const connection of [...this.table.values()]) {
			void connection.close('endpoint closing', CloseCode.normal, undefined, {immediate: true});
		}

		this.closed = true;
		await this.socket.close();
		this.emit('close');
	}

	private receive(bytes: Uint8Array, host: string, port: number): void {
		this.stats.packetsIn++;
		// The data path takes a plain Uint8Array (several subarrays of it: on a Buffer each goes
		// through Node's slower species constructor); handshakes take a Buffer view.
		if (unmaskHeader(bytes, this.headerKey, this.header)) {
			const connection = this.table.get(this.header);
			if (connection) {
				if (connection.state === 'handshaking') {
					this.dialer.receiveResponse(connection, asBuffer(bytes));
				} else {
					connection.receivePacket(bytes, this.header, host, port);
				}

				return;
			}
		}

		const packet = asBuffer(bytes);
		if (hasValidMac1(packet, this.selfKeys, this.macScratch)) {
			this.receiveInitiation(packet, host, port);
			return;
		}

		if (this.dialer.receiveCookieReply(packet, host, port)) return;
		this.stats.junkPackets++;
	}

	private receiveInitiation(packet: Buffer, host: string, port: number): void {
		if (this.guard.underLoad(this.unconfirmed) && !this.cookieJar.checkMac2(packet, host, port)) {
			const reply = this.cookieJar.reply(mac1Of(packet), host, port, packet.length);
			if (reply) {
				this.stats.cookieRepliesSent++;
				this.send(reply, host, port);
			}

			return;
		}

		this.guard.count();
		const accepted = readInitiation(packet, this.identity, this.selfKeys);
		if (accepted instanceof TornetError) {
			this.stats.handshakesRejected++;
			return;
		}

		if (accepted.peer.rank < this.minRank) {
			// Refuse with an encrypted answer that names the rank we need, and keep nothing.
			this.stats.rankRejected++;
			const {packet: refusal} = createResponse(accepted, {
				identity: this.identity,
				localCid: Buffer.alloc(8),
				localHeaderKey: this.headerKey,
				refuseBelowRank: this.minRank,
			});
			this.send(refusal, host, port);
			return;
		}

		const peerKey = accepted.peer.publicKey.toString('hex');
		if (!this.guard.freshTimestamp(peerKey, accepted.payload.timestamp)) {
			this.stats.replayedInitiations++;
			return;
		}

		const connection = new Connection({
			host: this.link,
			peer: accepted.peer,
			address: {host, port},
			localCid: Buffer.alloc(0),
			initiator: false,
			bytesReceived: packet.length,
			transport: this.options.transport,
		});
		const cid = this.table.add(connection);
		if (!cid) return;
		connection.localCid = cid;
		this.unconfirmed++;
		const {packet: response, keys} = createResponse(accepted, {
			identity: this.identity,
			localCid: cid,
			localHeaderKey: this.headerKey,
		});
		connection.stats.bytesSent += response.length;
		connection.establish(new Session(keys), accepted.peer);
		this.send(response, host, port);
		this.stats.handshakesAccepted++;
		const previous = this.peers.get(peerKey);
		// A new initiation from a known peer means it restarted or lost our connection: its old
		// inbound connection is dead. Our own outbound connection to it stays.
		if (previous && !previous.initiator)
			previous.terminate(TornetError.connectionClosed('replaced by a new handshake'));
		this.peers.set(peerKey, connection);
		this.emit('connection', connection);
	}

	private release(connection: Connection): void {
		this.table.delete(connection.localCid);
		if (!connection.isConfirmed) this.unconfirmed--;
		const key = connection.peer.publicKey.toString('hex');
		if (this.peers.get(key) === connection) this.peers.delete(key);
		this.dialer.forget(connection);
	}

	private tick(): void {
		const now = performance.now();
		for (const connection of [...this.table.values()]) {
			if (!connection.isConfirmed && now - connection.stats.lastReceived > UNCONFIRMED_TIMEOUT_MS) {
				connection.terminate(TornetError.connectionClosed('handshake never confirmed'));
				continue;
			}

			connection.tick(now);
		}

		this.dialer.tick(now);
		this.guard.tick();
	}

	private send(packet: Uint8Array, host: string, port: number): void {
		if (!this.closed) this.socket.send(packet, host, port);
	}

	private async resolve(name: string): Promise<string> {
		try {
			const family = this.options.host && isIP(this.options.host) === 6 ? 6 : 4;
			return (await lookup(name, {family})).address;
		} catch {
			throw TornetError.badAddress(name, 'host name does not resolve');
		}
	}
}

function asBuffer(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
