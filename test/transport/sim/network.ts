/**
 * A virtual-clock network for transport tests: links with a bottleneck rate and drop-tail queue,
 * propagation delay with jitter (which reorders), random loss, duplication, blackouts and an MTU,
 * all driven by a seeded generator so a failure replays exactly.
 */

/** mulberry32: small, fast, good enough for fault injection. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

export type LinkOptions = {
	/** One-way propagation delay, ms. */
	delay?: number;
	/** Extra uniformly random delay per packet, ms (reorders packets). */
	jitter?: number;
	/** Probability a packet is dropped. */
	loss?: number;
	/** Probability a packet is delivered twice. */
	duplicate?: number;
	/** Bottleneck rate, bytes per ms (Infinity: none). */
	rate?: number;
	/** Drop-tail queue in front of the bottleneck, bytes. */
	queue?: number;
	/** Datagrams larger than this vanish (no fragmentation). */
	mtu?: number;
};

export type Receiver = {
	onDatagram(bytes: Uint8Array, now: number): void;
};

type Arrival = {time: number; seq: number; to: Receiver; bytes: Uint8Array};

/** One direction of a path. Several senders may share it (a shared bottleneck). */
export class Link {
	readonly options: Required<LinkOptions>;
	delivered = 0;
	dropped = 0;
	/** Packets sent in [start, end) are dropped: a blackout. */
	blackout: [number, number] = [0, 0];
	private busyUntil = 0;
	private readonly network: Network;

	constructor(network: Network, options: LinkOptions = {}) {
		this.network = network;
		this.options = {
			delay: 10,
			jitter: 0,
			loss: 0,
			duplicate: 0,
			rate: Number.POSITIVE_INFINITY,
			queue: Number.POSITIVE_INFINITY,
			mtu: 65_535,
			...options,
		};
	}

	send(bytes: Uint8Array, to: Receiver, now: number): void {
		const {delay, jitter, loss, duplicate, rate, queue, mtu} = this.options;
		const random = this.network.random;
		const queued = Math.max(0, this.busyUntil - now) * rate;
		if (
			bytes.length > mtu ||
			(now >= this.blackout[0] && now < this.blackout[1]) ||
			queued + bytes.length > queue ||
			random() < loss
		) {
			this.dropped++;
			return;
		}

		const departure = Math.max(now, this.busyUntil) + bytes.length / rate;
		if (rate !== Number.POSITIVE_INFINITY) this.busyUntil = departure;
		const copies = random() < duplicate ? 2 : 1;
		for (let i = 0; i < copies; i++) {
			// A copy: the sender reuses its buffer.
			this.network.schedule(departure + delay + random() * jitter, to, Uint8Array.from(bytes));
		}

		this.delivered++;
	}
}

/** Event queue of datagram arrivals (a binary heap on time, then order of scheduling). */
export class Network {
	now = 0;
	readonly random: () => number;
	private readonly heap: Arrival[] = [];
	private seq = 0;

	constructor(seed: number) {
		this.random = seededRandom(seed);
	}

	schedule(time: number, to: Receiver, bytes: Uint8Array): void {
		const heap = this.heap;
		heap.push({time, seq: this.seq++, to, bytes});
		let i = heap.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!before(heap[i], heap[parent])) break;
			[heap[i], heap[parent]] = [heap[parent], heap[i]];
			i = parent;
		}
	}

	get nextArrival(): number {
		return this.heap.length > 0 ? this.heap[0].time : Number.POSITIVE_INFINITY;
	}

	/** Delivers every datagram due at or before `now`. */
	deliver(now: number): void {
		while (this.heap.length > 0 && this.heap[0].time <= now) {
			const arrival = this.pop();
			arrival.to.onDatagram(arrival.bytes, arrival.time);
		}
	}

	private pop(): Arrival {
		const heap = this.heap;
		const top = heap[0];
		const last = heap.pop()!;
		if (heap.length > 0) {
			heap[0] = last;
			let i = 0;
			for (;;) {
				const left = 2 * i + 1;
				const right = left + 1;
				let smallest = i;
				if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
				if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
				if (smallest === i) break;
				[heap[i], heap[smallest]] = [heap[smallest], heap[i]];
				i = smallest;
			}
		}

		return top;
	}
}

function before(a: Arrival, b: Arrival): boolean {
	return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
