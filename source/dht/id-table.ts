import {ID_BYTES} from '../identity/hash.js';

/** An interned id: 160 bits as 5 big-endian 32-bit words (SIMULATION.md: ids interned once). */
export const ID_WORDS = ID_BYTES / 4;

/** An index into an IdTable. Code passes these, never Buffers; NONE marks "no contact". */
export type ContactIndex = number;
export const NONE = 0xff_ff_ff_ff;

/**
 * Every id a node (or a whole simulated network) knows, held once in one Uint32Array. A real node
 * interns a few thousand contacts; the simulator interns a million node ids. Ids are compared word
 * by word as unsigned 32-bit values, never as one JS number (a double holds 53 bits).
 */
export class IdTable {
	words: Uint32Array;
	count = 0;

	constructor(capacity = 1024) {
		this.words = new Uint32Array(Math.max(1, capacity) * ID_WORDS);
	}

	get capacity(): number {
		return this.words.length / ID_WORDS;
	}

	/** Appends an id and returns its index (no de-duplication: callers that need it keep a map). */
	push(id: Uint8Array): ContactIndex {
		const index = this.count;
		this.ensure(index + 1);
		this.count++;
		this.set(index, id);
		return index;
	}

	/** Overwrites the id at `index` (a ContactBook reuses freed slots). */
	set(index: ContactIndex, id: Uint8Array): void {
		this.ensure(index + 1);
		if (index >= this.count) this.count = index + 1;
		const base = index * ID_WORDS;
		for (let w = 0; w < ID_WORDS; w++) {
			const o = w * 4;
			this.words[base + w] =
				((id[o] << 24) | (id[o + 1] << 16) | (id[o + 2] << 8) | id[o + 3]) >>> 0;
		}
	}

	/** The id at `index` as a fresh 20-byte Buffer (codec boundary only). */
	bytes(index: ContactIndex): Buffer {
		const out = Buffer.allocUnsafe(ID_BYTES);
		const base = index * ID_WORDS;
		for (let w = 0; w < ID_WORDS; w++) out.writeUInt32BE(this.words[base + w], w * 4);
		return out;
	}

	private ensure(count: number): void {
		if (count * ID_WORDS <= this.words.length) return;
		let capacity = this.capacity;
		while (capacity < count) capacity *= 2;
		const words = new Uint32Array(capacity * ID_WORDS);
		words.set(this.words);
		this.words = words;
	}
}

/** 20 bytes → 5 words, for a lookup target or a chunk id. */
export function idWords(id: Uint8Array, out = new Uint32Array(ID_WORDS)): Uint32Array {
	for (let w = 0; w < ID_WORDS; w++) {
		const o = w * 4;
		out[w] = ((id[o] << 24) | (id[o + 1] << 16) | (id[o + 2] << 8) | id[o + 3]) >>> 0;
	}

	return out;
}

export function wordsToBytes(words: Uint32Array, offset = 0): Buffer {
	const out = Buffer.allocUnsafe(ID_BYTES);
	for (let w = 0; w < ID_WORDS; w++) out.writeUInt32BE(words[offset + w], w * 4);
	return out;
}

/**
 * Leading bits shared by the id at `a` (in `wa`) and the id at `b` (in `wb`): 160 when equal.
 * The routing table's bucket index is this value.
 */
export function sharedPrefix(wa: Uint32Array, a: number, wb: Uint32Array, b: number): number {
	for (let w = 0; w < ID_WORDS; w++) {
		const x = (wa[a + w] ^ wb[b + w]) >>> 0;
		if (x !== 0) return w * 32 + Math.clz32(x);
	}

	return ID_WORDS * 32;
}

/**
 * Negative when the id at `a` is closer (XOR) to the target than the id at `b`, positive when
 * farther, 0 when equal. Offsets are word offsets into `words`; the target is 5 words at `t`.
 */
export function compareToTarget(
	words: Uint32Array,
	a: number,
	b: number,
	target: Uint32Array,
	t = 0,
): number {
	for (let w = 0; w < ID_WORDS; w++) {
		const tw = target[t + w];
		const da = (words[a + w] ^ tw) >>> 0;
		const db = (words[b + w] ^ tw) >>> 0;
		if (da !== db) return da < db ? -1 : 1;
	}

	return 0;
}

/** Bits of XOR distance between the id at word offset `a` and the target: log2(NID ⊕ CID). */
export function distanceBitsWords(
	words: Uint32Array,
	a: number,
	target: Uint32Array,
	t = 0,
): number {
	return ID_WORDS * 32 - sharedPrefix(words, a, target, t);
}
