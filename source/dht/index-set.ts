import {NONE} from './id-table.js';

/**
 * A small open-addressing set of u32 contact indices for one lookup ("have I seen this contact?").
 * Per lookup rather than a stamp array shared by the space: a real node runs several lookups at
 * once and the simulator thousands, and a shared stamp column would let them clobber each other's
 * marks. A lookup sees ~100 contacts, so this stays a few hundred bytes.
 */
export class IndexSet {
	private slots: Uint32Array;
	private mask: number;
	size = 0;

	constructor(capacity = 64) {
		let length = 16;
		while (length < capacity * 2) length *= 2;
		this.slots = new Uint32Array(length).fill(NONE);
		this.mask = length - 1;
	}

	has(value: number): boolean {
		let i = hash(value) & this.mask;
		for (;;) {
			const slot = this.slots[i];
			if (slot === value) return true;
			if (slot === NONE) return false;
			i = (i + 1) & this.mask;
		}
	}

	/** Adds `value`; false if it was already there. */
	add(value: number): boolean {
		if ((this.size + 1) * 2 > this.slots.length) this.grow();
		let i = hash(value) & this.mask;
		for (;;) {
			const slot = this.slots[i];
			if (slot === value) return false;
			if (slot === NONE) {
				this.slots[i] = value;
				this.size++;
				return true;
			}

			i = (i + 1) & this.mask;
		}
	}

	private grow(): void {
		const old = this.slots;
		this.slots = new Uint32Array(old.length * 2).fill(NONE);
		this.mask = this.slots.length - 1;
		this.size = 0;
		for (const value of old) if (value !== NONE) this.add(value);
	}
}

function hash(value: number): number {
	return Math.imul(value ^ (value >>> 16), 0x45_d9_f3_b) >>> 0;
}
