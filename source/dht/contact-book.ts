import {nodeIdFromPublicKey} from '../identity/id.js';
import {PUBLIC_KEY_BYTES} from '../identity/keys.js';
import type {Clock} from './clock.js';
import {type ContactIndex, IdTable, NONE} from './id-table.js';
import type {ContactSpace} from './network.js';

/** The hosts array holds one pointer per slot. */
const POINTER_BYTES = 8;
/** A Map entry with a 20-char latin1 key, plus a short host string (checked by bench/lookup.ts). */
const SIDE_BYTES_PER_CONTACT = 110;

export type BookEntry = {
	id: Buffer;
	publicKey: Buffer;
	host: string;
	port: number;
	rank: number;
};

export type ContactBookOptions = {
	clock: Clock;
	/** At most this many contacts: routing table (~300) + references + concurrent lookups. */
	capacity?: number;
	/**
	 * An unpinned index is not reused for this long after it was last mentioned, so a running
	 * lookup (bounded well below this) never sees its contact's slot change under it.
	 */
	leaseMs?: number;
};

/**
 * A real node's side table: contact index → public key, host, port, rank, plus the interned id the
 * DHT code works with. The RPC adapter admits every contact it decodes or hears from and turns an
 * index back into what the transport needs. Bounded: when full, a slot is reused only if nothing
 * pins it (routing table, references) and its lease has run out; otherwise admit() returns NONE
 * and the contact is ignored.
 */
export class ContactBook implements ContactSpace {
	readonly ids: IdTable;
	readonly capacity: number;
	private readonly clock: Clock;
	private readonly leaseMs: number;
	private readonly publicKeys: Uint8Array;
	private readonly ports: Uint16Array;
	private readonly ranks: Uint8Array;
	private readonly hosts: string[];
	private readonly pins: Uint16Array;
	private readonly lastUsed: Float64Array;
	private readonly live: Uint8Array;
	private readonly byId = new Map<string, ContactIndex>();
	private hand = 0;
	/** Slots never used yet start here. */
	private next = 0;

	constructor(options: ContactBookOptions) {
		this.clock = options.clock;
		this.capacity = options.capacity ?? 8192;
		this.leaseMs = options.leaseMs ?? 120_000;
		this.ids = new IdTable(this.capacity);
		this.publicKeys = new Uint8Array(this.capacity * PUBLIC_KEY_BYTES);
		this.ports = new Uint16Array(this.capacity);
		this.ranks = new Uint8Array(this.capacity);
		this.hosts = Array.from({length: this.capacity}, () => '');
		this.pins = new Uint16Array(this.capacity);
		this.lastUsed = new Float64Array(this.capacity);
		this.live = new Uint8Array(this.capacity);
	}

	get size(): number {
		return this.byId.size;
	}

	/**
	 * Memory held: the typed-array columns (allocated up front for `capacity` contacts) and an
	 * estimate of the JS side tables that grow with the contacts held (the id → index map and the
	 * host strings: ~110 bytes per contact, measured by bench/lookup.ts as a heap delta).
	 */
	memory(): {typedArrays: number; sideTables: number} {
		const typedArrays =
			this.ids.words.byteLength +
			this.publicKeys.byteLength +
			this.ports.byteLength +
			this.ranks.byteLength +
			this.pins.byteLength +
			this.lastUsed.byteLength +
			this.live.byteLength;
		const sideTables = this.capacity * POINTER_BYTES + this.byId.size * SIDE_BYTES_PER_CONTACT;
		return {typedArrays, sideTables};
	}

	/**
	 * Index for a contact, adding it if new. `authoritative` is true when the address comes from an
	 * authenticated session (the peer itself); hearsay from a reply never overwrites a known
	 * contact's address, so a hostile node cannot redirect our contacts.
	 */
	admit(
		contact: {publicKey: Uint8Array; host: string; port: number; rank: number; id?: Uint8Array},
		authoritative = false,
	): ContactIndex {
		if (contact.publicKey.length !== PUBLIC_KEY_BYTES) return NONE;
		const id = contact.id ?? nodeIdFromPublicKey(contact.publicKey);
		const key = Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
		const known = this.byId.get(key);
		if (known !== undefined) {
			this.lastUsed[known] = this.clock.now();
			if (authoritative) {
				this.hosts[known] = contact.host;
				this.ports[known] = contact.port;
				this.ranks[known] = contact.rank;
			}

			return known;
		}

		const index = this.allocate();
		if (index === NONE) return NONE;
		this.ids.set(index, id);
		this.publicKeys.set(contact.publicKey, index * PUBLIC_KEY_BYTES);
		this.hosts[index] = contact.host;
		this.ports[index] = contact.port;
		this.ranks[index] = Math.max(0, Math.min(255, contact.rank | 0));
		this.pins[index] = 0;
		this.lastUsed[index] = this.clock.now();
		this.live[index] = 1;
		this.byId.set(key, index);
		return index;
	}

	indexOf(id: Uint8Array): ContactIndex {
		return (
			this.byId.get(Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1')) ?? NONE
		);
	}

	has(index: ContactIndex): boolean {
		return index < this.capacity && this.live[index] === 1;
	}

	entry(index: ContactIndex): BookEntry | undefined {
		if (!this.has(index)) return undefined;
		return {
			id: this.ids.bytes(index),
			publicKey: Buffer.from(
				this.publicKeys.subarray(index * PUBLIC_KEY_BYTES, (index + 1) * PUBLIC_KEY_BYTES),
			),
			host: this.hosts[index],
			port: this.ports[index],
			rank: this.ranks[index],
		};
	}

	/** Marks an index as in use now (extends its lease). */
	use(index: ContactIndex): void {
		if (this.has(index)) this.lastUsed[index] = this.clock.now();
	}

	pin(index: ContactIndex): void {
		if (this.has(index)) this.pins[index]++;
	}

	unpin(index: ContactIndex): void {
		if (this.has(index) && this.pins[index] > 0) {
			this.pins[index]--;
			this.lastUsed[index] = this.clock.now();
		}
	}

	pinCount(index: ContactIndex): number {
		return this.has(index) ? this.pins[index] : 0;
	}

	private allocate(): ContactIndex {
		if (this.next < this.capacity) return this.next++;
		// Clock-hand sweep for an unpinned slot whose lease ran out: O(1) amortised.
		const now = this.clock.now();
		for (let step = 0; step < this.capacity; step++) {
			const index = this.hand;
			this.hand = (this.hand + 1) % this.capacity;
			if (this.pins[index] === 0 && now - this.lastUsed[index] >= this.leaseMs) {
				this.evict(index);
				return index;
			}
		}

		return NONE;
	}

	private evict(index: ContactIndex): void {
		const key = this.ids.bytes(index).toString('latin1');
		this.byId.delete(key);
		this.live[index] = 0;
		this.hosts[index] = '';
	}
}
