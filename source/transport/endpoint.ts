import {randomBytes} from 'node:crypto';
import dgram from 'node:dgram';
import {lookup} from 'node:dns/promises';
import {EventEmitter} from 'node:events';
import {isIP} from 'node:net';
import {TornetError} from '../errors.js';
import type {Identity} from '../identity/keys.js';
import type {NodeAddress} from '../identity/address.js';
import {CookieJar, openCookieReply, MAC_BYTES} from '../wire/cookie.js';
import {
	createInitiation,
	createResponse,
	hasValidMac1,
	mac1Of,
	readInitiation,
	readResponse,
	responderKeys,
	type PendingInitiation,
	type ResponderKeys,
} from '../wire/handshake.js';
import {HEADER_BYTES, HEADER_KEY_BYTES} from '../wire/header-protection.js';
import {Session, unmaskHeader} from '../wire/session.js';
import {Connection, type ConnectionHost} from './connection.js';
import {ConnectionTable} from './connection-table.js';
import {HandshakeGuard} from './handshake-guard.js';

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

type Handshake = {
	connection: Connection;
	pending: PendingInitiation;
	address: NodeAddress;
	attempts: number;
	timer: NodeJS.Timeout | undefined;
	resolve: (connection: Connection) => void;
	reject: (error: TornetError) => void;
};

/** Retransmit an unanswered initiation after these delays (each a fresh initiation), then give up. */
const HANDSHAKE_RETRY_MS = [400, 800, 1600, 3200];
/** A responder connection not confirmed by a packet from the initiator within this time is dropped. */
const UNCONFIRMED_TIMEOUT_MS = 10_000;
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

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
	private readonly socket: dgram.Socket;
	private readonly options: EndpointOptions;
	private readonly table: ConnectionTable<Connection>;
	private readonly handshakes = new Map<Connection, Handshake>();
	private readonly cookies: Map<string, {cookie: Buffer; at: number}> = new Map();
	private readonly selfKeys: ResponderKeys;
	private readonly headerKey = randomBytes(HEADER_KEY_BYTES);
	private readonly header = Buffer.alloc(HEADER_BYTES);
	private readonly macScratch = Buffer.alloc(MAC_BYTES);
	private readonly cookieJar: CookieJar;
	private readonly guard: HandshakeGuard;
	private readonly peers = new Map<string, Connection>();
	/** Handshakes we started, by peer public key (hex) and address; entries leave when they settle. */
	private readonly connecting = new Map<string, Promise<Connection>>();
	private readonly link: ConnectionHost;
	private ticker: NodeJS.Timeout | undefined;
	private lastTimestamp = 0;
	private closed = false;
	/** Responder connections not yet confirmed by the initiator: kept as a count, read per initiation. */
	private unconfirmed = 0;
	private sendsInFlight = 0;
	private drained: (() => void) | undefined;
	/** dgram calls this once per send, sent or failed; one function for all, no closure per packet. */
	private readonly afterSend = () => {
		if (--this.sendsInFlight === 0 && this.drained) this.drained();
	};

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
		this.socket = dgram.createSocket({
			type,
			recvBufferSize: SOCKET_BUFFER_BYTES,
			sendBufferSize: SOCKET_BUFFER_BYTES,
		});
		this.socket.on('message', (packet, remote) => {
			this.receive(packet, remote.address, remote.port);
		});
		this.socket.on('error', () => {
			// Per-send errors (ICMP unreachable and the like) are expected on UDP; nothing to do.
		});
		this.link = {
			sendPacket: (packet, host, port) => {
				this.send(packet, host, port);
			},
			release: (connection) => {
				this.release(connection);
			},
			confirmed: () => {
				this.unconfirmed--;
			},
			now: () => performance.now(),
		};
	}

	async listen(): Promise<{host: string; port: number}> {
		await new Promise<void>((resolve, reject) => {
			const onError = (error: Error) => {
				reject(
					TornetError.badArgument(
						`cannot listen on port ${this.options.port ?? 0}: ${error.message}`,
					),
				);
			};

			this.socket.once('error', onError);
			this.socket.bind(this.options.port ?? 0, this.options.host, () => {
				this.socket.off('error', onError);
				resolve();
			});
		});
		this.ticker = setInterval(() => {
			this.tick();
		}, 1000);
		this.ticker.unref();
		this.emit('listening');
		return this.address();
	}

	address(): {host: string; port: number} {
		const {address, port} = this.socket.address();
		return {host: address, port};
	}

	get connectionCount(): number {
		return this.table.size;
	}

	tableSizes(): EndpointTables {
		return {
			connections: this.table.size,
			unconfirmed: this.unconfirmed,
			handshakes: this.handshakes.size,
			cookies: this.cookies.size,
			peers: this.peers.size,
			timestamps: this.guard.rememberedIdentities,
		};
	}

	connections(): Connection[] {
		return [...this.table.values()];
	}

	/** An open connection to the peer, reusing one that exists. */
	async connect(address: NodeAddress): Promise<Connection> {
		if (this.closed) throw TornetError.socketClosed();
		const key = address.publicKey.toString('hex');
		const existing = this.peers.get(key);
		if (existing?.isOpen) return existing;
		// Concurrent connects to one peer share one handshake: a second handshake would replace the
		// first connection on the peer's side, leaving ours to a connection the peer has dropped.
		const dialing = `${key}@${address.host}:${address.port}`;
		const inFlight = this.connecting.get(dialing);
		if (inFlight) return inFlight;
		const attempt = this.handshake(address);
		this.connecting.set(dialing, attempt);
		try {
			return await attempt;
		} finally {
			if (this.connecting.get(dialing) === attempt) this.connecting.delete(dialing);
		}
	}

	private async handshake(address: NodeAddress): Promise<Connection> {
		const host = isIP(address.host) ? address.host : await this.resolve(address.host);
		return new Promise<Connection>((resolve, reject) => {
			const connection = new Connection({
				host: this.link,
				peer: {publicKey: address.publicKey, id: Buffer.alloc(20), rank: 0},
				address: {host, port: address.port},
				localCid: Buffer.alloc(0),
				initiator: true,
			});
			const cid = this.table.add(connection);
			if (!cid) {
				reject(TornetError.tooManyRequests('connection table is full'));
				return;
			}

			connection.localCid = cid;
			const handshake: Handshake = {
				connection,
				pending: undefined as unknown as PendingInitiation,
				address: {...address, host},
				attempts: 0,
				timer: undefined,
				resolve,
				reject,
			};
			this.handshakes.set(connection, handshake);
			this.sendInitiation(handshake);
		});
	}

	async close(): Promise<void> {
		if (this.closed) return;
		clearInterval(this.ticker);
		// Close connections before marking the endpoint closed: `send` drops everything after, and
		// peers should hear our CLOSE frames instead of waiting out their idle timeout.
		for (const connection of [...this.table.values()]) connection.close('endpoint closing');
		this.closed = true;
		// dgram resolves even an IP literal asynchronously: let those last sends leave first.
		if (this.sendsInFlight > 0) {
			await new Promise<void>((resolve) => {
				this.drained = resolve;
			});
		}

		await new Promise<void>((resolve) => {
			this.socket.close(() => {
				resolve();
			});
		});
		this.emit('close');
	}

	private sendInitiation(handshake: Handshake): void {
		const {connection, address} = handshake;
		const cookie = this.cookies.get(`${address.host}|${address.port}`);
		this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
		const created = createInitiation({
			identity: this.identity,
			remotePublicKey: address.publicKey,
			localCid: connection.localCid,
			localHeaderKey: this.headerKey,
			cookie: cookie?.cookie,
			timestamp: this.lastTimestamp,
		});
		if (created instanceof TornetError) {
			this.failHandshake(handshake, created);
			return;
		}

		handshake.pending = created.pending;
		this.send(created.packet, address.host, address.port);
		const delay = HANDSHAKE_RETRY_MS[handshake.attempts++];
		clearTimeout(handshake.timer);
		handshake.timer = setTimeout(() => {
			if (handshake.attempts >= HANDSHAKE_RETRY_MS.length) {
				this.failHandshake(
					handshake,
					TornetError.handshakeFailed(
						`no answer from ${address.host}:${address.port} after ${handshake.attempts} tries`,
					),
				);
			} else {
				this.sendInitiation(handshake);
			}
		}, delay);
	}

	private failHandshake(handshake: Handshake, error: TornetError): void {
		clearTimeout(handshake.timer);
		this.handshakes.delete(handshake.connection);
		handshake.connection.terminate(error);
		handshake.reject(error);
	}

	private receive(packet: Buffer, host: string, port: number): void {
		this.stats.packetsIn++;
		if (unmaskHeader(packet, this.headerKey, this.header)) {
			const connection = this.table.get(this.header);
			if (connection) {
				if (connection.state === 'handshaking') this.receiveResponse(connection, packet);
				else connection.receivePacket(packet, this.header, host, port);
				return;
			}
		}

		if (hasValidMac1(packet, this.selfKeys, this.macScratch)) {
			this.receiveInitiation(packet, host, port);
			return;
		}

		if (this.receiveCookieReply(packet, host, port)) return;
		this.stats.junkPackets++;
	}

	private receiveResponse(connection: Connection, packet: Buffer): void {
		const handshake = this.handshakes.get(connection);
		if (!handshake) return;
		const result = readResponse(packet, handshake.pending, this.minRank);
		if (result instanceof TornetError) {
			this.stats.handshakesRejected++;
			// A forged or corrupt response must not kill a handshake the real peer can still finish,
			// but a peer whose rank is too low never will.
			if (result.code === 'RANK_TOO_LOW') {
				this.stats.rankRejected++;
				this.failHandshake(handshake, result);
			}

			return;
		}

		clearTimeout(handshake.timer);
		this.handshakes.delete(connection);
		this.stats.handshakesAccepted++;
		connection.establish(new Session(result.keys), result.peer);
		this.peers.set(result.peer.publicKey.toString('hex'), connection);
		handshake.resolve(connection);
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

	private receiveCookieReply(packet: Buffer, host: string, port: number): boolean {
		for (const handshake of this.handshakes.values()) {
			if (handshake.address.host !== host || handshake.address.port !== port) continue;
			const cookie = openCookieReply(packet, handshake.address.publicKey, handshake.pending.mac1);
			if (!cookie) continue;
			this.cookies.set(`${host}|${port}`, {cookie, at: performance.now()});
			this.sendInitiation(handshake);
			return true;
		}

		return false;
	}

	private release(connection: Connection): void {
		this.table.delete(connection.localCid);
		if (!connection.isConfirmed) this.unconfirmed--;
		const key = connection.peer.publicKey.toString('hex');
		if (this.peers.get(key) === connection) this.peers.delete(key);
		const handshake = this.handshakes.get(connection);
		if (handshake) {
			clearTimeout(handshake.timer);
			this.handshakes.delete(connection);
			handshake.reject(TornetError.connectionClosed('closed during the handshake'));
		}
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

		for (const [key, {at}] of this.cookies) if (now - at > 120_000) this.cookies.delete(key);
		this.guard.tick();
	}

	private send(packet: Buffer, host: string, port: number): void {
		if (this.closed) return;
		try {
			this.socket.send(packet, port, host, this.afterSend);
		} catch {
			return; // A bad port throws at once; nothing was queued, so nothing to wait for.
		}

		this.sendsInFlight++;
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
