export const PACKET_UNUSED = 0;
export const PACKET_OUTSTANDING = 1;
export const PACKET_ACKED = 2;
export const PACKET_LOST = 3;

/**
 * What the sender remembers about one packet: enough to account for it in congestion control and
 * to re-queue what it carried when it is lost. Slots are reused (a ring indexed by packet
 * number), so never keep a reference past the callback that handed it to you.
 */
export class SentPacket<C = unknown> {
	packetNumber = -1;
	timeSent = 0;
	/** Datagram size in bytes (what congestion control counts). */
	size = 0;
	ackEliciting = false;
	inFlight = false;
	/** A padded path-MTU probe: its loss says nothing about congestion. */
	isMtuProbe = false;
	state = PACKET_UNUSED;
	/** Largest acknowledged of the ACK frame this packet carried, -1 when it carried none. */
	ackLargest = -1;
	/** When declared lost by packet threshold: how far behind the largest acknowledged it was; -1 for the time threshold. */
	lossDistance = 0;
	/** Delivery-rate state when it was sent (see rate-sampler.ts). */
	delivered = 0;
	deliveredTime = 0;
	firstSentTime = 0;
	appLimited = false;
	/** STREAM frames carried, as parallel arrays (no object per frame). */
	streamCount = 0;
	readonly streamIds: number[] = [];
	readonly streamOffsets: number[] = [];
	readonly streamLengths: number[] = [];
	readonly streamFins: boolean[] = [];
	/** Other frames to send again (with fresh values where that matters) if the packet is lost. */
	readonly control: C[] = [];

	addStream(streamId: number, offset: number, length: number, fin: boolean): void {
		const i = this.streamCount++;
		this.streamIds[i] = streamId;
		this.streamOffsets[i] = offset;
		this.streamLengths[i] = length;
		this.streamFins[i] = fin;
	}

	addControl(frame: C): void {
		this.control.push(frame);
	}

	reset(packetNumber: number): void {
		this.packetNumber = packetNumber;
		this.timeSent = 0;
		this.size = 0;
		this.ackEliciting = false;
		this.inFlight = false;
		this.isMtuProbe = false;
		this.state = PACKET_UNUSED;
		this.ackLargest = -1;
		this.lossDistance = 0;
		this.streamCount = 0;
		this.control.length = 0;
	}
}

const INITIAL_CAPACITY = 8; // slots; doubles as the window grows (an idle connection needs few)
export const MAX_OUTSTANDING = 1 << 17; // packets between the oldest unacknowledged and the next

/**
 * The sent-packet table: a ring of reusable SentPacket slots covering packet numbers from `front`
 * (the oldest still outstanding) to `next` (the next to send). Packet numbers are never reused.
 */
export class SentPackets<C = unknown> {
	/** Next packet number to send. */
	next: number;
	/** Oldest packet number still outstanding; equals `next` when none is. */
	front: number;
	/** Ack-eliciting packets neither acknowledged nor lost (arms the probe timer). */
	ackElicitingOutstanding = 0;
	timeOfLastAckEliciting = 0;
	private slots: Array<SentPacket<C>>;
	private mask: number;
	private readonly maxOutstanding: number;
	private prepared = false;

	constructor(firstPacketNumber = 0, maxOutstanding = MAX_OUTSTANDING) {
		this.next = firstPacketNumber;
		this.front = firstPacketNumber;
		this.maxOutstanding = maxOutstanding;
		this.slots = Array.from({length: INITIAL_CAPACITY}, () => new SentPacket<C>());
		this.mask = INITIAL_CAPACITY - 1;
	}

	/** False when the table is full: the sender must wait for acknowledgements. */
	get hasRoom(): boolean {
		return this.next - this.front < this.maxOutstanding;
	}

	/** Packets between the oldest outstanding and the next. */
	get span(): number {
		return this.next - this.front;
	}

	/**
	 * The cleared slot for packet number `next`, to fill while building the packet. Calling it
	 * again before `commit` returns the same slot (an abandoned packet costs nothing).
	 */
	prepare(): SentPacket<C> {
		if (this.next - this.front + 1 > this.slots.length) this.grow();
		const slot = this.slots[this.next & this.mask];
		if (!this.prepared || slot.packetNumber !== this.next) slot.reset(this.next);
		this.prepared = true;
		return slot;
	}

	/** Records the prepared packet as sent; it takes packet number `next`, which then advances. */
	commit(
		packet: SentPacket<C>,
		now: number,
		size: number,
		ackEliciting: boolean,
		inFlight: boolean,
	) {
		if (packet.packetNumber !== this.next || !this.prepared) {
			throw new Error('commit() takes the packet returned by the last prepare()');
		}

		packet.timeSent = now;
		packet.size = size;
		packet.ackEliciting = ackEliciting;
		packet.inFlight = inFlight;
		packet.state = PACKET_OUTSTANDING;
		if (ackEliciting) {
			this.ackElicitingOutstanding++;
			this.timeOfLastAckEliciting = now;
		}

		this.prepared = false;
		this.next++;
	}

	/** The slot for `packetNumber` if the ring still holds it. */
	get(packetNumber: number): SentPacket<C> | undefined {
		const slot = this.slots[packetNumber & this.mask];
		return slot.packetNumber === packetNumber && slot.state !== PACKET_UNUSED ? slot : undefined;
	}

	/** Marks an outstanding packet acknowledged or lost. */
	settle(packet: SentPacket<C>, state: typeof PACKET_ACKED | typeof PACKET_LOST): void {
		if (packet.state === PACKET_OUTSTANDING && packet.ackEliciting) this.ackElicitingOutstanding--;
		packet.state = state;
	}

	/** Moves `front` past packets that are no longer outstanding. */
	advanceFront(): void {
		while (this.front < this.next) {
			const slot = this.slots[this.front & this.mask];
			if (slot.packetNumber === this.front && slot.state === PACKET_OUTSTANDING) return;
			this.front++;
		}
	}

	private grow(): void {
		if (this.slots.length >= 2 * this.maxOutstanding) {
			throw new Error('sent-packet table is full: check hasRoom before sending');
		}

		const size = this.slots.length * 2;
		const mask = size - 1;
		const slots: Array<SentPacket<C>> = Array.from({length: size});
		// Distinct packet numbers within one old ring stay distinct modulo the larger size.
		for (const slot of this.slots) {
			if (slot.packetNumber >= 0) slots[slot.packetNumber & mask] = slot;
		}

		for (let i = 0; i < size; i++) slots[i] ??= new SentPacket<C>();
		this.slots = slots;
		this.mask = mask;
	}
}
