import {nodeIdFromPublicKey} from '../identity/id.js';
import {PUBLIC_KEY_BYTES} from '../identity/keys.js';
import type {Clock} from './clock.js';
import {type ContactIndex, IdTable, NONE} from './id-table.js';
import type {ContactSpace} from './network.js';
import {subnetOf} from './subnet.js';

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
	/**
	 * Hearsay contacts (named in a reply, not yet heard from) one peer may have in the book at
	 * once. A lookup asks a peer a few times and keeps ≤ 20 of each answer, so an honest peer
	 * stays far below this; a hostile one that answers with fakes fills no more than this.
	 */
	perSourceLimit?: number;
	/**
	 * Free slots hearsay never takes (once the book holds capacity − reserve contacts, hearsay
	 * only reuses expired slots): kept for peers that reach us themselves (requesters, the
	 * bootstrap).
	 */
	reserve?: number;
};

/**
 * A real node's side table: contact index → public key, host, port, rank, plus the interned id the
 * DHT code works with. The RPC adapter admits every contact it decodes or hears from and turns an
 * index back into what the transport needs. Bounded: when full, a slot is reused only if nothing
 * pins it (routing table, references) and its lease has run out; otherwise admit() returns NONE
 * and the contact is ignored.
 *
 * Flood resistance: a contact only named in a reply (hearsay) is charged to the peer that named
 * it until it proves itself (answers a request, or gets pinned). Each peer has a quota of such
 * contacts and all hearsay together leaves `reserve` slots free, so a peer answering with
 * thousands of fake contacts neither fills the book nor displaces anyone: its extra fakes are
 * refused, and pinned contacts (the routing table) are never reused.
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
	/** IP block of each slot's address (subnet.ts): what the routing table's diversity limit sees. */
	private readonly subnets: Uint32Array;
	/** 1 while a slot holds hearsay: a contact named by `reporter`, not yet heard from. */
	private readonly unproven: Uint8Array;
	/** For hearsay: the peer that named the contact, and that peer's slot generation then. */
	private readonly reporter: Uint32Array;
	private readonly reporterGeneration: Uint32Array;
	/** Per slot: bumped each time the slot gets a new contact, so old quota charges go stale. */
	private readonly generation: Uint32Array;
	/** Per slot: hearsay contacts this peer named that are still unproven. */
	private readonly introduced: Uint16Array;
	private readonly perSourceLimit: number;
	/** capacity − reserve: past this many contacts, hearsay only reuses expired slots. */
	private readonly hearsayLimit: number;
	private hearsay = 0;
	/** Hearsay contacts turned away by a quota (for the node's stats and tests). */
	refused = 0;
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
		this.subnets = new Uint32Array(this.capacity);
		this.unproven = new Uint8Array(this.capacity);
		this.reporter = new Uint32Array(this.capacity);
		this.reporterGeneration = new Uint32Array(this.capacity);
		this.generation = new Uint32Array(this.capacity);
		this.introduced = new Uint16Array(this.capacity);
		this.perSourceLimit = Math.min(0xff_ff, options.perSourceLimit ?? 256);
		const reserve = options.reserve ?? Math.ceil(this.capacity / 8);
		this.hearsayLimit = Math.max(0, this.capacity - reserve);
	}

	/** Unproven hearsay contacts held. */
	get hearsayCount(): number {
		return this.hearsay;
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
			this.live.byteLength +
			this.subnets.byteLength +
			this.unproven.byteLength +
			this.reporter.byteLength +
			this.reporterGeneration.byteLength +
			this.generation.byteLength +
			this.introduced.byteLength;
		const sideTables = this.capacity * POINTER_BYTES + this.byId.size * SIDE_BYTES_PER_CONTACT;
		return {typedArrays, sideTables};
	}

	/**
	 * Index for a contact, adding it if new. `authoritative` is true when the address comes from an
	 * authenticated session (the peer itself); hearsay from a reply never overwrites a known
	 * contact's address, so a hostile node cannot redirect our contacts. Hearsay names `source`,
	 * the peer whose reply named it, and counts against that peer's quota until it proves itself.
	 */
	admit(
		contact: {publicKey: Uint8Array; host: string; port: number; rank: number; id?: Uint8Array},
		authoritative = false,
		source: ContactIndex = NONE,
	): ContactIndex {
		if (contact.publicKey.length !== PUBLIC_KEY_BYTES) return NONE;
		const id = contact.id ?? nodeIdFromPublicKey(contact.publicKey);
		const key = Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
		const known = this.byId.get(key);
		if (known !== undefined) {
			this.lastUsed[known] = this.clock.now();
			if (authoritative) {
				// Every request a peer sends lands here: parse its address only when it changed.
				if (this.hosts[known] !== contact.host) this.subnets[known] = subnetOf(contact.host);
				this.hosts[known] = contact.host;
				this.ports[known] = contact.port;
				this.ranks[known] = contact.rank;
				this.prove(known);
			}

			return known;
		}

		if (!authoritative && this.has(source) && this.introduced[source] >= this.perSourceLimit)
			return this.refuse();
		// Hearsay never takes the last `reserve` free slots: past that it only reuses expired ones.
		const index = this.allocate(!authoritative && this.byId.size >= this.hearsayLimit);
		if (index === NONE && !authoritative) return this.refuse();
		if (index === NONE) return NONE;
		this.ids.set(index, id);
		this.publicKeys.set(contact.publicKey, index * PUBLIC_KEY_BYTES);
		this.hosts[index] = contact.host;
		this.ports[index] = contact.port;
		this.ranks[index] = Math.max(0, Math.min(255, contact.rank | 0));
		this.subnets[index] = subnetOf(contact.host);
		this.pins[index] = 0;
		this.lastUsed[index] = this.clock.now();
		this.live[index] = 1;
		this.generation[index] = (this.generation[index] + 1) >>> 0;
		this.introduced[index] = 0;
		if (!authoritative) {
			this.hearsay++;
			this.unproven[index] = 1;
			const charged = this.has(source);
			this.reporter[index] = charged ? source : NONE;
			this.reporterGeneration[index] = charged ? this.generation[source] : 0;
			if (charged) this.introduced[source]++;
		}

		this.byId.set(key, index);
		return index;
	}

	/**
	 * The contact answered us (or was pinned): it is no longer hearsay, and no longer counts
	 * against the quota of the peer that named it.
	 */
	prove(index: ContactIndex): void {
		if (!this.isHearsay(index)) return;
		this.release(index);
	}

	/** True while the contact was only named by others and has not answered or been pinned. */
	isHearsay(index: ContactIndex): boolean {
		return this.has(index) && this.unproven[index] === 1;
	}

	/** Unproven contacts `source` named that the book still holds. */
	introducedBy(source: ContactIndex): number {
		return this.has(source) ? this.introduced[source] : 0;
	}

	/** The IP block of a contact's address (subnet.ts), 0 when it has none that limits. */
	subnet(index: ContactIndex): number {
		return this.has(index) ? this.subnets[index] : 0;
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

	/** Pinned contacts (routing table, references) have answered us: they are not hearsay. */
	pin(index: ContactIndex): void {
		if (!this.has(index)) return;
		this.pins[index]++;
		this.prove(index);
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

	private refuse(): ContactIndex {
		this.refused++;
		return NONE;
	}

	private allocate(reuseOnly: boolean): ContactIndex {
		if (this.next < this.capacity && !reuseOnly) return this.next++;
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

	/** Takes an unproven slot off the hearsay count and its reporter's quota. */
	private release(index: ContactIndex): void {
		this.hearsay--;
		this.unproven[index] = 0;
		const source = this.reporter[index];
		const current = this.has(source) && this.generation[source] === this.reporterGeneration[index];
		if (current && this.introduced[source] > 0) this.introduced[source]--;
	}

	private evict(index: ContactIndex): void {
		if (this.unproven[index] === 1) this.release(index);
		const key = this.ids.bytes(index).toString('latin1');
		this.byId.delete(key);
		this.live[index] = 0;
		this.hosts[index] = '';
	}
}
