import {compareToTarget, ID_WORDS, type IdTable} from '../dht/id-table.js';
import type {RoutingTable} from '../dht/routing-table.js';
import type {Random} from './random.js';

/**
 * The simulator's oracle: every node id in sorted order. The nodes sharing at least b leading bits
 * with any id form one contiguous run of that order, so the converged routing tables (SIMULATION.md:
 * building a million tables through joins would take over an hour) and the true closest nodes to a
 * target both come from binary searches.
 */
export class SortedIds {
	readonly ids: IdTable;
	readonly count: number;
	/** Node indices sorted by id. */
	readonly order: Uint32Array;

	constructor(ids: IdTable, count = ids.count) {
		this.ids = ids;
		this.count = count;
		const {words} = ids;
		const order = new Uint32Array(count);
		for (let i = 0; i < count; i++) order[i] = i;
		order.sort((a, b) => {
			for (let w = 0; w < ID_WORDS; w++) {
				const x = words[a * ID_WORDS + w];
				const y = words[b * ID_WORDS + w];
				if (x !== y) return x < y ? -1 : 1;
			}

			return 0;
		});
		this.order = order;
	}

	/** Bit `b` (0 = most significant) of the id of the node at sorted position `pos`. */
	bit(pos: number, b: number): number {
		return (this.ids.words[this.order[pos] * ID_WORDS + (b >>> 5)] >>> (31 - (b & 31))) & 1;
	}

	/** First position in [lo, hi) whose bit b is 1 (all ids there share the bits before b). */
	split(lo: number, hi: number, b: number): number {
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.bit(mid, b) === 0) lo = mid + 1;
			else hi = mid;
		}

		return lo;
	}

	/**
	 * The n nodes closest to `target` (5 words) that pass `accept`, closest first. Narrows to the
	 * smallest run sharing a prefix with the target that still holds enough nodes; every node
	 * outside that run is farther than every node inside.
	 */
	closest(
		target: Uint32Array,
		n: number,
		accept: (node: number) => boolean = () => true,
	): number[] {
		const stack: Array<[number, number]> = [[0, this.count]];
		let lo = 0;
		let hi = this.count;
		for (let b = 0; b < 160 && hi - lo > 4 * n; b++) {
			const split = this.split(lo, hi, b);
			const bit = (target[b >>> 5] >>> (31 - (b & 31))) & 1;
			if (bit === 0) hi = split;
			else lo = split;
			stack.push([lo, hi]);
		}

		for (let level = stack.length - 1; level >= 0; level--) {
			const [from, to] = stack[level];
			if (to - from < n && level > 0) continue;
			const nodes: number[] = [];
			for (let pos = from; pos < to; pos++) {
				const node = this.order[pos];
				if (accept(node)) nodes.push(node);
			}

			if (nodes.length < n && level > 0) continue;
			const {words} = this.ids;
			nodes.sort((a, b) => compareToTarget(words, a * ID_WORDS, b * ID_WORDS, target));
			return nodes.slice(0, n);
		}

		return [];
	}
}

/**
 * Fills `table` (one owner per node, owner i = node i) with converged Kademlia tables: for every
 * node and bucket, min(k, size) nodes drawn uniformly from the run of nodes that share exactly
 * that many leading bits with it. Returns the number of contacts written.
 */
export function buildConvergedTables(
	table: RoutingTable,
	sorted: SortedIds,
	random: Random,
): number {
	const {k, depth} = table;
	const chosen = new Uint32Array(k);
	let contacts = 0;
	for (let pos = 0; pos < sorted.count; pos++) {
		const node = sorted.order[pos];
		table.setSelf(node, node);
		let lo = 0;
		let hi = sorted.count;
		for (let b = 0; b < 160 && hi - lo > 1; b++) {
			if (b === depth - 1) {
				// The last bucket takes everything deeper, minus the node itself.
				const count = sample(sorted, lo, hi, pos, k, random, chosen);
				table.loadBucket(node, b, chosen, 0, count);
				contacts += count;
				break;
			}

			const split = sorted.split(lo, hi, b);
			let from: number;
			let to: number;
			if (sorted.bit(pos, b) === 0) {
				from = split;
				to = hi;
				hi = split;
			} else {
				from = lo;
				to = split;
				lo = split;
			}

			if (to > from) {
				const count = sample(sorted, from, to, -1, k, random, chosen);
				table.loadBucket(node, b, chosen, 0, count);
				contacts += count;
			}
		}
	}

	return contacts;
}

/** Blocks the converged tables will need (one per non-empty bucket), to size the pool once. */
export function countConvergedBlocks(sorted: SortedIds, depth: number): number {
	let blocks = 0;
	for (let pos = 0; pos < sorted.count; pos++) {
		let lo = 0;
		let hi = sorted.count;
		for (let b = 0; b < 160 && hi - lo > 1; b++) {
			if (b === depth - 1) {
				blocks++;
				break;
			}

			const split = sorted.split(lo, hi, b);
			const other = sorted.bit(pos, b) === 0 ? hi - split : split - lo;
			if (sorted.bit(pos, b) === 0) hi = split;
			else lo = split;
			if (other > 0) blocks++;
		}
	}

	return blocks;
}

/** Up to k distinct nodes from sorted positions [from, to), skipping position `skip` (Floyd). */
function sample(
	sorted: SortedIds,
	from: number,
	to: number,
	skip: number,
	k: number,
	random: Random,
	out: Uint32Array,
): number {
	const size = to - from - (skip >= from && skip < to ? 1 : 0);
	let count = 0;
	if (size <= k) {
		for (let pos = from; pos < to; pos++) if (pos !== skip) out[count++] = sorted.order[pos];
		return count;
	}

	// Floyd's algorithm over offsets 0…size-1, mapped around the skipped position.
	const picked: number[] = [];
	for (let j = size - k; j < size; j++) {
		const t = random.int(j + 1);
		picked.push(picked.includes(t) ? j : t);
	}

	for (const offset of picked) {
		let pos = from + offset;
		if (skip >= from && pos >= skip) pos++;
		out[count++] = sorted.order[pos];
	}

	return count;
}
