import dgram from 'node:dgram';
import {seededRandom} from '../helpers/relay.js';

export type PathProfile = {
	/** Probability a packet is dropped, each direction. */
	loss: number;
	/** One-way delay: base ± jitter (uniform), so RTT ≈ 2 × base; jitter reorders packets. */
	delayMs: number;
	jitterMs: number;
	/** Probability a packet is delivered twice. */
	duplicate: number;
};

export type RelayCounts = {
	packets: number;
	dropped: number;
	duplicated: number;
	/** Packets delivered after one that arrived later than them. */
	reordered: number;
};

/** Clients remembered at most: each one holds an upstream socket. */
const MAX_CLIENTS = 64;

/**
 * A UDP relay on a real path between hosts (test/helpers/relay.ts, for many clients): every client
 * gets its own upstream socket toward the target, like a NAT, so the target's replies find their
 * way back. Each packet, both ways, is dropped, delayed with jitter or duplicated by a seeded
 * generator, so a failing run replays from its seed.
 */
export async function startPathRelay(options: {
	host: string;
	target: {host: string; port: number};
	profile: PathProfile;
	seed: number;
}) {
	const {host, target, profile} = options;
	const random = seededRandom(options.seed);
	const counts: RelayCounts = {packets: 0, dropped: 0, duplicated: 0, reordered: 0};
	const timers = new Set<NodeJS.Timeout>();
	const upstreams = new Map<string, Promise<dgram.Socket>>();
	let closed = false;
	let lastDue = 0;

	const deliver = (socket: dgram.Socket, packet: Buffer, port: number, address: string) => {
		counts.packets++;
		if (random() < profile.loss) {
			counts.dropped++;
			return;
		}

		const copies = random() < profile.duplicate ? 2 : 1;
		if (copies === 2) counts.duplicated++;
		const delay = Math.max(0, profile.delayMs + (random() * 2 - 1) * profile.jitterMs);
		const due = performance.now() + delay;
		if (due < lastDue) counts.reordered++;
		lastDue = Math.max(lastDue, due);
		const copy = Buffer.from(packet);
		const timer = setTimeout(() => {
			timers.delete(timer);
			if (closed) return;
			for (let i = 0; i < copies; i++) socket.send(copy, port, address);
		}, delay);
		timers.add(timer);
	};

	const front = dgram.createSocket('udp4');
	front.on('error', () => undefined);
	const bindUpstream = async (address: string, port: number): Promise<dgram.Socket> => {
		const socket = dgram.createSocket('udp4');
		socket.on('error', () => undefined);
		socket.on('message', (packet, remote) => {
			// Only the target's replies go back; anything else aimed at this port is not ours.
			if (remote.address !== target.host || remote.port !== target.port) return;
			deliver(front, packet, port, address);
		});
		await new Promise<void>((resolve) => {
			socket.bind(0, host, resolve);
		});
		return socket;
	};

	// The promise goes in the map at once: packets that arrive while it binds share one socket.
	const upstreamFor = async (address: string, port: number) => {
		const key = `${address}:${port}`;
		let socket = upstreams.get(key);
		if (!socket && upstreams.size < MAX_CLIENTS) {
			socket = bindUpstream(address, port);
			upstreams.set(key, socket);
		}

		return socket;
	};

	front.on('message', (packet, remote) => {
		void upstreamFor(remote.address, remote.port).then((socket) => {
			if (socket && !closed) deliver(socket, packet, target.port, target.host);
		});
	});
	await new Promise<void>((resolve) => {
		front.bind(0, host, resolve);
	});

	return {
		host,
		port: front.address().port,
		counts,
		async close() {
			closed = true;
			for (const timer of timers) clearTimeout(timer);
			const sockets = [front, ...(await Promise.all(upstreams.values()))];
			await Promise.all(
				sockets.map(
					async (socket) =>
						new Promise<void>((resolve) => {
							socket.close(() => resolve());
						}),
				),
			);
		},
	};
}
