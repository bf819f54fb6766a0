import dgram from 'node:dgram';

/**
 * The impaired path of `bench/transport.ts --loss P --delay MS` (tc netem is not available here):
 * a UDP relay process between one client and one target that drops P % of packets in each
 * direction (seeded, so runs repeat) and delays every packet by MS one way. A FIFO per direction
 * and one timer each: constant delay keeps order, so no timer per packet.
 *
 *   node --import=tsx bench/transport-relay.ts <target port> <loss %> <delay ms> [seed]
 *
 * Prints `{port}` when ready and `{forwarded, dropped}` when its stdin closes.
 */
const [targetPort, lossPercent, delayMs, seed] = process.argv.slice(2).map(Number);
const loss = (lossPercent || 0) / 100;
const delay = delayMs || 0;
const SOCKET_BUFFER = 4 * 1024 * 1024;

function seededRandom(value: number): () => number {
	let state = value >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const random = seededRandom(seed || 1);
const socket = dgram.createSocket({
	type: 'udp4',
	recvBufferSize: SOCKET_BUFFER,
	sendBufferSize: SOCKET_BUFFER,
});
let clientPort = 0;
let forwarded = 0;
let dropped = 0;

class Lane {
	private readonly packets: Buffer[] = [];
	private readonly due: number[] = [];
	private readonly ports: number[] = [];
	private head = 0;
	private timer: NodeJS.Timeout | undefined;
	private readonly release = () => {
		this.timer = undefined;
		const now = performance.now();
		while (this.head < this.due.length && this.due[this.head] <= now + 0.5) {
			socket.send(this.packets[this.head], this.ports[this.head], '127.0.0.1');
			this.head++;
		}

		if (this.head > 1024 && this.head * 2 > this.due.length) {
			this.packets.splice(0, this.head);
			this.due.splice(0, this.head);
			this.ports.splice(0, this.head);
			this.head = 0;
		}

		this.arm(now);
	};

	push(packet: Buffer, port: number): void {
		if (delay === 0) {
			socket.send(packet, port, '127.0.0.1');
			return;
		}

		const now = performance.now();
		this.packets.push(packet);
		this.due.push(now + delay);
		this.ports.push(port);
		if (!this.timer) this.arm(now);
	}

	private arm(now: number): void {
		if (this.head >= this.due.length) return;
		this.timer = setTimeout(this.release, Math.max(0, this.due[this.head] - now));
	}
}

const forward = new Lane();
const back = new Lane();
socket.on('message', (packet, remote) => {
	const fromTarget = remote.port === targetPort;
	if (!fromTarget) clientPort = remote.port;
	if (random() < loss) {
		dropped++;
		return;
	}

	forwarded++;
	if (fromTarget) {
		if (clientPort) back.push(packet, clientPort);
	} else {
		forward.push(packet, targetPort);
	}
});
await new Promise<void>((resolve) => {
	socket.bind(0, '127.0.0.1', resolve);
});
process.stdout.write(JSON.stringify({port: socket.address().port}) + '\n');
process.stdin.resume();
process.stdin.on('close', () => {
	process.stdout.write(JSON.stringify({forwarded, dropped}) + '\n');
	socket.close();
	process.exit(0);
});
