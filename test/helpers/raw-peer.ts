import {randomBytes} from 'node:crypto';
import dgram from 'node:dgram';
import {TornetError} from '../../source/errors.js';
import type {Identity} from '../../source/identity/keys.js';
import {createInitiation, type PendingInitiation} from '../../source/wire/handshake.js';
import {CID_BYTES, HEADER_KEY_BYTES} from '../../source/wire/header-protection.js';
import {identityWithRank} from './identities.js';

type Teardown = {teardown(fn: () => Promise<void> | void): void};

/**
 * A bare UDP socket that speaks only what a test makes it send: for attacks on an endpoint and for
 * counting exactly what comes back (amplification). Closed when the test ends.
 */
export async function rawPeer(t: Teardown, target: {host: string; port: number}) {
	const socket = dgram.createSocket('udp4');
	const received: Buffer[] = [];
	const counts = {packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0};
	socket.on('message', (packet) => {
		received.push(packet);
		counts.packetsReceived++;
		counts.bytesReceived += packet.length;
	});
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	t.teardown(async () => {
		await new Promise<void>((resolve) => {
			socket.close(() => {
				resolve();
			});
		});
	});
	return {
		socket,
		received,
		counts,
		port: socket.address().port,
		send(packet: Uint8Array) {
			counts.packetsSent++;
			counts.bytesSent += packet.length;
			socket.send(packet, target.port, target.host);
		},
	};
}

let lastTimestamp = Date.now();

/** A valid initiation to `responder`, from a fresh identity unless one is given. */
export function initiationTo(
	responder: Buffer,
	options: {identity?: Identity; cookie?: Buffer} = {},
): {packet: Buffer; pending: PendingInitiation; identity: Identity; headerKey: Buffer} {
	const identity = options.identity ?? identityWithRank(0);
	const headerKey = randomBytes(HEADER_KEY_BYTES);
	const created = createInitiation({
		identity,
		remotePublicKey: responder,
		localCid: randomBytes(CID_BYTES),
		localHeaderKey: headerKey,
		cookie: options.cookie,
		timestamp: ++lastTimestamp,
	});
	if (created instanceof TornetError) throw created;
	return {...created, identity, headerKey};
}

/** Wait until `condition` holds, polling; throws after `limitMs` so a broken test fails, not hangs. */
export async function until(condition: () => boolean, limitMs = 5000): Promise<void> {
	const started = Date.now();
	while (!condition()) {
		if (Date.now() - started > limitMs) throw new Error('condition not reached in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Wait until `value` stops changing for `quietMs`: the endpoint has handled what was sent. */
export async function quiescent(value: () => number, quietMs = 150, limitMs = 10_000) {
	const started = Date.now();
	let last = value();
	let since = Date.now();
	while (Date.now() - since < quietMs) {
		if (Date.now() - started > limitMs) return;
		await new Promise((resolve) => setTimeout(resolve, 20));
		const now = value();
		if (now !== last) {
			last = now;
			since = Date.now();
		}
	}
}
