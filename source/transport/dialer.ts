import {TornetError} from '../errors.js';
import type {Identity} from '../identity/keys.js';
import type {NodeAddress} from '../identity/address.js';
import {openCookieReply} from '../wire/cookie.js';
import {createInitiation, type PendingInitiation, readResponse} from '../wire/handshake.js';
import {Session} from '../wire/session.js';
import {Connection, type ConnectionHost, type TransportOptions} from './connection.js';

/** Retransmit an unanswered initiation after these delays (each a fresh initiation), then give up. */
const HANDSHAKE_RETRY_MS = [400, 800, 1600, 3200];
const COOKIE_LIFETIME_MS = 120_000;

/** What the initiator side needs from its endpoint. */
export type DialerHost = {
	identity: Identity;
	/** Our header key, sent in initiations: peers mask what they send us with it. */
	headerKey: Buffer;
	link: ConnectionHost;
	minRank(): number;
	/** Enters a connection in the table; its cid, or undefined when the table is full. */
	add(connection: Connection): Buffer | undefined;
	send(packet: Uint8Array, host: string, port: number): void;
	/** A handshake completed: the connection is open and now this peer's. */
	established(connection: Connection): void;
	/** Counters: accepted and rejected responses, rank refusals. */
	count(what: 'handshakesAccepted' | 'handshakesRejected' | 'rankRejected'): void;
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

/**
 * The initiator side of handshakes: sends initiations (fresh ones on retry), keeps the cookies a
 * loaded responder handed out, and completes a connection on a valid response. Concurrent dials
 * of one peer share one handshake.
 */
export class Dialer {
	private readonly host: DialerHost;
	private readonly handshakes = new Map<Connection, Handshake>();
	private readonly cookies = new Map<string, {cookie: Buffer; at: number}>();
	/** Handshakes we started, by peer public key (hex) and address; entries leave when they settle. */
	private readonly connecting = new Map<string, Promise<Connection>>();
	private lastTimestamp = 0;

	constructor(host: DialerHost) {
		this.host = host;
	}

	get pendingHandshakes(): number {
		return this.handshakes.size;
	}

	get cookieCount(): number {
		return this.cookies.size;
	}

	/** A new connection to `address` (an IP literal) with these transport options. */
	async dial(address: NodeAddress, transport: TransportOptions): Promise<Connection> {
		// Concurrent connects to one peer share one handshake: a second handshake would replace the
		// first connection on the peer's side, leaving ours to a connection the peer has dropped.
		const key = `${address.publicKey.toString('hex')}@${address.host}:${address.port}`;
		const inFlight = this.connecting.get(key);
		if (inFlight) return inFlight;
		const attempt = this.start(address, transport);
		this.connecting.set(key, attempt);
		try {
			return await attempt;
		} finally {
			if (this.connecting.get(key) === attempt) this.connecting.delete(key);
		}
	}

	isHandshaking(connection: Connection): boolean {
		return this.handshakes.has(connection);
	}

	receiveResponse(connection: Connection, packet: Buffer): void {
		const handshake = this.handshakes.get(connection);
		if (!handshake) return;
		const result = readResponse(packet, handshake.pending, this.host.minRank());
		if (result instanceof TornetError) {
			this.host.count('handshakesRejected');
			// A forged or corrupt response must not kill a handshake the real peer can still finish,
			// but a peer whose rank is too low never will.
			if (result.code === 'RANK_TOO_LOW') {
				this.host.count('rankRejected');
				this.fail(handshake, result);
			}

			return;
		}

		clearTimeout(handshake.timer);
		this.handshakes.delete(connection);
		this.host.count('handshakesAccepted');
		connection.establish(new Session(result.keys), result.peer);
		this.host.established(connection);
		handshake.resolve(connection);
	}

	/** True when `packet` was a cookie reply for one of our handshakes (which then retries). */
	receiveCookieReply(packet: Buffer, host: string, port: number): boolean {
		for (const handshake of this.handshakes.values()) {
			if (handshake.address.host !== host || handshake.address.port !== port) continue;
			const cookie = openCookieReply(packet, handshake.address.publicKey, handshake.pending.mac1);
			if (!cookie) continue;
			this.cookies.set(`${host}|${port}`, {cookie, at: performance.now()});
			this.initiate(handshake);
			return true;
		}

		return false;
	}

	/** The connection left the table: a handshake still running for it fails. */
	forget(connection: Connection): void {
		const handshake = this.handshakes.get(connection);
		if (!handshake) return;
		clearTimeout(handshake.timer);
		this.handshakes.delete(connection);
		handshake.reject(TornetError.connectionClosed('closed during the handshake'));
	}

	/** Once a second: cookies expire. */
	tick(now: number): void {
		for (const [key, {at}] of this.cookies) {
			if (now - at > COOKIE_LIFETIME_MS) this.cookies.delete(key);
		}
	}

	private async start(address: NodeAddress, transport: TransportOptions): Promise<Connection> {
		return new Promise<Connection>((resolve, reject) => {
			const connection = new Connection({
				host: this.host.link,
				peer: {publicKey: address.publicKey, id: Buffer.alloc(20), rank: 0},
				address: {host: address.host, port: address.port},
				localCid: Buffer.alloc(0),
				initiator: true,
				transport,
			});
			const cid = this.host.add(connection);
			if (!cid) {
				reject(TornetError.tooManyRequests('connection table is full'));
				return;
			}

			connection.localCid = cid;
			const handshake: Handshake = {
				connection,
				pending: undefined as unknown as PendingInitiation,
				address,
				attempts: 0,
				timer: undefined,
				resolve,
				reject,
			};
			this.handshakes.set(connection, handshake);
			this.initiate(handshake);
		});
	}

	private initiate(handshake: Handshake): void {
		const {connection, address} = handshake;
		const cookie = this.cookies.get(`${address.host}|${address.port}`);
		this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
		const created = createInitiation({
			identity: this.host.identity,
			remotePublicKey: address.publicKey,
			localCid: connection.localCid,
			localHeaderKey: this.host.headerKey,
			cookie: cookie?.cookie,
			timestamp: this.lastTimestamp,
		});
		if (created instanceof TornetError) {
			this.fail(handshake, created);
			return;
		}

		handshake.pending = created.pending;
		this.host.send(created.packet, address.host, address.port);
		const delay = HANDSHAKE_RETRY_MS[handshake.attempts++];
		clearTimeout(handshake.timer);
		handshake.timer = setTimeout(() => {
			if (handshake.attempts >= HANDSHAKE_RETRY_MS.length) {
				this.fail(
					handshake,
					TornetError.handshakeFailed(
						`no answer from ${address.host}:${address.port} after ${handshake.attempts} tries`,
					),
				);
			} else {
				this.initiate(handshake);
			}
		}, delay);
	}

	private fail(handshake: Handshake, error: TornetError): void {
		clearTimeout(handshake.timer);
		this.handshakes.delete(handshake.connection);
		handshake.connection.terminate(error);
		handshake.reject(error);
	}
}
