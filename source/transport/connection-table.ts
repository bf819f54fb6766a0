import {randomBytes} from 'node:crypto';
import {CID_BYTES} from '../wire/header-protection.js';

/**
 * Connections by the connection id we chose for them. A cid is slot index (4 bytes) ‖ random token
 * (4 bytes): lookup is an array index plus one comparison, with no hashing and no allocation per
 * packet, and the table's size is fixed, so a flood cannot grow it.
 */
export class ConnectionTable<T> {
	private readonly slots: Array<T | undefined>;
	private readonly tokens: Uint32Array;
	private readonly free: number[] = [];
	private count = 0;

	readonly capacity: number;

	constructor(capacity: number) {
		this.capacity = capacity;
		this.slots = Array.from({length: capacity});
		this.tokens = new Uint32Array(capacity);
		for (let i = capacity - 1; i >= 0; i--) this.free.push(i);
	}

	get size(): number {
		return this.count;
	}

	/** Reserve a slot and return its cid, or undefined when the table is full. */
	add(value: T): Buffer | undefined {
		const slot = this.free.pop();
		if (slot === undefined) return undefined;
		const cid = randomBytes(CID_BYTES);
		cid.writeUInt32BE(slot, 0);
		this.tokens[slot] = cid.readUInt32BE(4);
		this.slots[slot] = value;
		this.count++;
		return cid;
	}

	get(cid: Uint8Array): T | undefined {
		const slot = ((cid[0] << 24) | (cid[1] << 16) | (cid[2] << 8) | cid[3]) >>> 0;
		if (slot >= this.capacity) return undefined;
		const token = ((cid[4] << 24) | (cid[5] << 16) | (cid[6] << 8) | cid[7]) >>> 0;
		if (this.tokens[slot] !== token) return undefined;
		return this.slots[slot];
	}

	delete(cid: Uint8Array): void {
		const slot = ((cid[0] << 24) | (cid[1] << 16) | (cid[2] << 8) | cid[3]) >>> 0;
		if (slot >= this.capacity || this.slots[slot] === undefined) return;
		const token = ((cid[4] << 24) | (cid[5] << 16) | (cid[6] << 8) | cid[7]) >>> 0;
		if (this.tokens[slot] !== token) return;
		this.slots[slot] = undefined;
		// A fresh token on reuse: packets for the old connection can never reach the new one.
		this.tokens[slot] = 0;
		this.free.push(slot);
		this.count--;
	}

	*values(): Generator<T> {
		for (const value of this.slots) if (value !== undefined) yield value;
	}
}
