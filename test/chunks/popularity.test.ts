import test from 'ava';
import fc from 'fast-check';
import {PopularityTable} from '../../source/chunks/popularity.js';

const HOUR = 3_600_000;

test('a query count halves every half-life', (t) => {
	const table = new PopularityTable({halfLifeMs: HOUR});
	for (let i = 0; i < 8; i++) table.record('a', 0, true);
	t.is(table.count('a', 0), 8);
	t.is(table.count('a', HOUR), 4);
	t.is(table.count('a', 3 * HOUR), 1);
	t.is(table.record('a', 3 * HOUR, true), 2);
});

test('steady queries converge to their rate per hour', (t) => {
	const table = new PopularityTable({halfLifeMs: HOUR});
	// 120 queries an hour for 10 hours.
	for (let minute = 0; minute < 600; minute++) {
		table.record('x', minute * 60_000, true);
		table.record('x', minute * 60_000 + 30_000, true);
	}

	const rate = table.rate('x', 600 * 60_000);
	t.true(Math.abs(rate - 120) < 3, `rate ${rate}`);
});

test('tentative queries are counted but never reported as a rate; forget() drops them', (t) => {
	const table = new PopularityTable();
	table.record('missing', 0, false);
	table.record('missing', 0, false);
	t.is(table.count('missing', 0), 2);
	t.is(table.rate('missing', 0), 0);
	t.false(table.isConfirmed('missing'));
	table.forget('missing');
	t.false(table.has('missing'));
	t.is(table.count('missing', 1), 0);
	table.record('found', 0, false);
	table.confirm('found');
	t.true(table.rate('found', 0) > 0);
});

test('the table is bounded and forgets the least popular first', (t) => {
	const table = new PopularityTable({capacity: 16, halfLifeMs: HOUR});
	for (let i = 0; i < 10; i++) table.record('hot', 0, true);
	for (let i = 0; i < 1000; i++) table.record(`flood-${i}`, i, false);
	t.is(table.size, 16);
	t.true(table.has('hot'), 'a flood of one-off ids does not push out a popular chunk');
	t.is(table.count('hot', 1000), 10 * 2 ** (-1000 / HOUR));
});

test('eviction order matches the decayed counts, whatever the update times', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.tuple(fc.integer({min: 0, max: 30}), fc.integer({min: 0, max: 4 * HOUR})), {
				minLength: 1,
				maxLength: 200,
			}),
			(events) => {
				const table = new PopularityTable({capacity: 1000, halfLifeMs: HOUR});
				let now = 0;
				for (const [key, dt] of events) {
					now += dt;
					table.record(String(key), now, true);
				}

				const victim = table.leastPopular()!;
				const lowest = Math.min(...table.entries(now).map((entry) => entry.rate));
				return Math.abs(table.rate(victim, now) - lowest) < 1e-9 * Math.max(1, lowest);
			},
		),
	);
	t.pass();
});

test('remove keeps the heap consistent (random records and forgets against a model)', (t) => {
	fc.assert(
		fc.property(
			fc.array(fc.tuple(fc.boolean(), fc.integer({min: 0, max: 20})), {maxLength: 300}),
			(operations) => {
				const table = new PopularityTable({capacity: 8, halfLifeMs: HOUR});
				let now = 0;
				for (const [forget, key] of operations) {
					now += 1000;
					if (forget) table.forget(String(key));
					else table.record(String(key), now, true);
					if (table.size > 8) return false;
				}

				const entries = table.entries(now);
				if (entries.length !== table.size) return false;
				if (entries.length === 0) return table.leastPopular() === undefined;
				const lowest = Math.min(...entries.map((entry) => entry.rate));
				return Math.abs(table.rate(table.leastPopular()!, now) - lowest) < 1e-9;
			},
		),
	);
	t.pass();
});
