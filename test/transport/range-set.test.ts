import test from 'ava';
import fc from 'fast-check';
import {RangeSet} from '../../source/transport/range-set.js';

const operations = fc.array(
	fc.tuple(fc.boolean(), fc.integer({min: 0, max: 200}), fc.integer({min: 0, max: 30})),
	{maxLength: 200},
);

test('property: add and remove match a brute-force set, ranges stay sorted and merged', (t) => {
	fc.assert(
		fc.property(operations, fc.integer({min: 0, max: 220}), (ops, probe) => {
			const set = new RangeSet();
			const truth = new Set<number>();
			for (const [add, start, length] of ops) {
				if (add) set.add(start, start + length);
				else set.remove(start, start + length);
				for (let v = start; v < start + length; v++) {
					if (add) truth.add(v);
					else truth.delete(v);
				}
			}

			for (let i = 0; i < set.count; i++) {
				if (set.starts[i] >= set.ends[i]) return false;
				if (i > 0 && set.starts[i] <= set.ends[i - 1]) return false; // disjoint, not adjacent
			}

			if (set.size !== truth.size) return false;
			for (let v = 0; v < 240; v++) if (set.has(v) !== truth.has(v)) return false;
			let run = probe;
			while (truth.has(run)) run++;
			return set.runEnd(probe) === run && set.covers(probe, run);
		}),
	);
	t.pass();
});

test('bounded: the lowest ranges are dropped and floor rises', (t) => {
	const set = new RangeSet(3);
	for (let v = 0; v < 10; v += 2) set.add(v, v + 1);
	t.deepEqual(set.starts, [4, 6, 8]);
	t.is(set.floor, 3);
	set.remove(6, 7);
	t.deepEqual(set.starts, [4, 8]);
	set.add(0, 1);
	t.deepEqual(set.starts, [0, 4, 8]);
	set.add(2, 3);
	t.deepEqual(set.starts, [2, 4, 8]);
});

test('splitting a range in two honours the bound', (t) => {
	const set = new RangeSet(2);
	set.add(0, 10);
	set.add(20, 30);
	set.remove(24, 26);
	t.deepEqual(
		[set.starts, set.ends],
		[
			[20, 26],
			[24, 30],
		],
	);
});
