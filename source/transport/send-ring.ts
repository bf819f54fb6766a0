/**
 * Packet buffers for one UDP socket, without an allocation per packet. node:dgram may hand a buffer
 * to the kernel only on a later tick (after its address lookup), so a sealed packet must stay
 * untouched until its send callback runs. Those callbacks come in the order of the sends (libuv
 * keeps one send queue per socket and completes it in order), so the buffers form a ring: packets
 * are carved at the head and freed from the tail.
 *
 * Every send on the socket must be recorded here (`reserve` + `commit`, or `external` for buffers
 * from elsewhere), because `complete` frees the oldest record, whatever it was.
 */
export const RING_BYTES = 8 * 1024 * 1024; // ≥ one flush of the largest window at loopback MTU
/**
 * The ring starts this small and doubles (up to RING_BYTES) each time a packet finds no room: the
 * kernel takes most datagrams at once, so only a sender that outruns its socket buffer needs more,
 * and an endpoint that mostly idles (or a test that makes hundreds) keeps little.
 */
export const INITIAL_RING_BYTES = 256 * 1024;
const MAX_RECORDS = 1 << 16; // sends in flight at once
const MASK = MAX_RECORDS - 1;
const EXTERNAL = -1;

export class SendRing {
	/** Packets that found no room in the ring and got a buffer of their own. */
	overflows = 0;
	private slab: ArrayBuffer | undefined;
	private capacity = INITIAL_RING_BYTES;
	/** A packet found no room: take a larger slab when the ring is next empty. */
	private cramped = false;
	/** Where the next packet goes. */
	private head = 0;
	/** Start of the oldest slab packet in flight. */
	private tail = 0;
	/** Start offset of each send in flight, oldest first (EXTERNAL: not from the slab). */
	private readonly starts = new Int32Array(MAX_RECORDS);
	private first = 0;
	private count = 0;
	private slabCount = 0;
	private reservedAt = EXTERNAL;

	get inFlight(): number {
		return this.count;
	}

	/** Bytes of packet memory held (0 before the first packet). */
	get slabBytes(): number {
		return this.slab?.byteLength ?? 0;
	}

	/**
	 * A buffer for a packet of at most `length` bytes. Commit it (with the real length) before any
	 * other send on the socket; reserving again abandons it.
	 */
	reserve(length: number): Uint8Array {
		// Plain Uint8Array views: a Buffer view goes through Node's slower species constructor.
		if (this.cramped && this.slabCount === 0 && this.capacity < RING_BYTES) {
			// Nothing in flight refers to the old slab: swap it for one twice as large.
			this.capacity *= 2;
			this.slab = undefined;
			this.cramped = false;
		}

		this.slab ??= new ArrayBuffer(this.capacity);
		this.reservedAt = this.count < MAX_RECORDS ? this.place(length) : EXTERNAL;
		if (this.reservedAt === EXTERNAL) {
			this.overflows++;
			this.cramped = true;
			return new Uint8Array(length);
		}

		return new Uint8Array(this.slab, this.reservedAt, length);
	}

	/** Records the reserved packet as handed to the socket, `length` bytes long. */
	commit(length: number): void {
		if (this.reservedAt === EXTERNAL) {
			this.external();
			return;
		}

		if (this.slabCount === 0) this.tail = this.reservedAt;
		this.head = this.reservedAt + length;
		this.push(this.reservedAt);
		this.slabCount++;
		this.reservedAt = EXTERNAL;
	}

	/** Records a send of a buffer that does not come from the ring. */
	external(): void {
		this.push(EXTERNAL);
	}

	/** The oldest send completed (its callback ran). */
	complete(): void {
		if (this.count === 0) return;
		const start = this.starts[this.first];
		this.first = (this.first + 1) & MASK;
		this.count--;
		if (start === EXTERNAL) return;
		if (--this.slabCount === 0) {
			this.head = 0;
			this.tail = 0;
			return;
		}

		for (let i = 0; i < this.count; i++) {
			const next = this.starts[(this.first + i) & MASK];
			if (next !== EXTERNAL) {
				this.tail = next;
				return;
			}
		}
	}

	/** The newest record was never sent (the send threw): forget it. */
	undo(): void {
		if (this.count === 0) return;
		this.count--;
		const start = this.starts[(this.first + this.count) & MASK];
		if (start === EXTERNAL) return;
		this.head = start;
		if (--this.slabCount === 0) {
			this.head = 0;
			this.tail = 0;
		}
	}

	private push(start: number): void {
		this.starts[(this.first + this.count) & MASK] = start;
		this.count++;
	}

	/** Offset of `length` free bytes, EXTERNAL when there are none. */
	private place(length: number): number {
		const size = this.capacity;
		if (length > size) return EXTERNAL;
		if (this.slabCount === 0) {
			this.head = 0;
			this.tail = 0;
			return 0;
		}

		if (this.head > this.tail) {
			// In flight: [tail, head). Free: [head, end) and [0, tail).
			if (this.head + length <= size) return this.head;
			return length < this.tail ? 0 : EXTERNAL; // strict: head never catches up with tail
		}

		// Wrapped, in flight: [tail, end) and [0, head). Free: [head, tail).
		return this.head + length < this.tail ? this.head : EXTERNAL;
	}
}
