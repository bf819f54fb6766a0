import dgram from 'node:dgram';

export type PacketAction = {
	drop?: boolean;
	duplicate?: number;
	corrupt?: boolean;
	delayMs?: number;
};
export type PacketHook = (
	packet: Buffer,
	direction: 'forward' | 'back',
	index: number,
) => PacketAction | undefined;

/** Deterministic PRNG (mulberry32) so a failing fault pattern can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let value = state;
		value = Math.imul(value ^ (value >>> 15), value | 1);
		value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
		return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/**
 * A UDP relay between one client and one server (udx-native's test proxy, for tornet). Clients send
 * to the relay's port; a hook decides per packet whether to drop, duplicate, corrupt or delay it.
 */
export async function startRelay(target: {host: string; port: number}, hook: PacketHook) {
	const socket = dgram.createSocket('udp4');
	let client: {address: string; port: number} | undefined;
	let index = 0;
	const captured: Buffer[] = [];
	const timers = new Set<NodeJS.Timeout>();
	let closed = false;
	const deliver = (
		packet: Buffer,
		port: number,
		host: string,
		action: PacketAction | undefined,
	) => {
		if (action?.drop) return;
		const copy = Buffer.from(packet);
		if (action?.corrupt) copy[Math.floor(copy.length / 2)] ^= 0x40;
		const send = () => {
			if (closed) return;
			for (let i = 0; i <= (action?.duplicate ?? 0); i++) socket.send(copy, port, host);
		};

		if (action?.delayMs) {
			const timer = setTimeout(() => {
				timers.delete(timer);
				send();
			}, action.delayMs);
			timers.add(timer);
		} else {
			send();
		}
	};

	socket.on('message', (packet, remote) => {
		const i = index++;
		if (remote.port === target.port && remote.address === target.host) {
			if (client) deliver(packet, client.port, client.address, hook(packet, 'back', i));
			return;
		}

		client = {address: remote.address, port: remote.port};
		captured.push(Buffer.from(packet));
		deliver(packet, target.port, target.host, hook(packet, 'forward', i));
	});
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	return {
		port: socket.address().port,
		/** Every packet the client sent through the relay, for replay tests. */
		captured,
		send(packet: Buffer) {
			socket.send(packet, target.port, target.host);
		},
		async close() {
			closed = true;
			for (const timer of timers) clearTimeout(timer);
			await new Promise<void>((resolve) => {
				socket.close(() => {
					resolve();
				});
			});
		},
	};
}
