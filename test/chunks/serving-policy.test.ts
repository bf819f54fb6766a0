import test from 'ava';
import {
	type ChunkStat,
	planServing,
	type ServingBudget,
	shouldPull,
	shouldServe,
} from '../../source/chunks/serving-policy.js';

const MB = 1_000_000;
// A 1 MB chunk asked 3.6 times an hour costs 1000 bytes/s of upload.
const chunk = (
	key: string,
	distance: number,
	rate: number,
	held = true,
	pinned = false,
): ChunkStat => ({key, distance, rate, bytes: MB, held, pinned});
const budget = (overrides: Partial<ServingBudget>): ServingBudget => ({
	uploadBytesPerSecond: 1e12,
	diskBytes: 1000 * MB,
	keepFactor: 1,
	floorRate: 0.5,
	...overrides,
});

test('the range widens until the sold upload bandwidth is used', (t) => {
	const stats = [
		chunk('a', 150, 1.8),
		chunk('b', 152, 1.8),
		chunk('c', 155, 36),
		chunk('d', 158, 36),
	];
	const plan = planServing(stats, budget({uploadBytesPerSecond: 1000}));
	t.is(plan.range, 152);
	t.deepEqual([...plan.serve].sort(), ['a', 'b']);
	t.true(shouldServe(plan, 151, 1));
	t.false(shouldServe(plan, 155, 36), 'beyond the range');
	t.is(Math.round(plan.demand), 1000);
});

test('with bandwidth to spare the range is everything and only the floor applies', (t) => {
	const stats = [chunk('a', 150, 1.8), chunk('b', 160, 0.6), chunk('c', 40, 0.1)];
	const plan = planServing(stats, budget({}));
	t.is(plan.range, 160);
	t.is(plan.minPopularity, 0.5);
	t.deepEqual([...plan.serve].sort(), ['a', 'b']);
	t.false(shouldServe(plan, 40, 0.1), 'below the floor');
});

test('a small disk serves the most popular chunks and sets min popularity at the cut', (t) => {
	const stats = [chunk('x', 100, 10), chunk('y', 101, 5), chunk('z', 102, 1)];
	const plan = planServing(stats, budget({diskBytes: 2 * MB}));
	t.deepEqual([...plan.serve].sort(), ['x', 'y']);
	t.is(plan.minPopularity, 5);
	t.deepEqual(plan.drop, ['z'], 'the disk is full: the least frequently requested goes');
});

test('more is kept than served, and the least popular is dropped first when the disk is full', (t) => {
	const held = [chunk('a', 100, 10), chunk('b', 100, 5), chunk('c', 100, 1), chunk('d', 100, 0.7)];
	const roomy = planServing(held, budget({diskBytes: 4 * MB, keepFactor: 2}));
	t.is(roomy.serve.size, 2);
	t.is(roomy.keep.size, 4);
	t.deepEqual(roomy.drop, []);
	const crowded = planServing(
		[...held, chunk('e', 100, 0.6), chunk('f', 100, 0.55)],
		budget({diskBytes: 4 * MB, keepFactor: 2}),
	);
	t.deepEqual(crowded.drop, ['f', 'e']);
	t.is(crowded.weakestKept, 0.7);
});

test('chunks at their normal place are always served and never dropped', (t) => {
	const stats = [chunk('home', 160, 0, true, true), chunk('hot', 10, 50)];
	const plan = planServing(stats, budget({diskBytes: 1 * MB}));
	t.true(plan.serve.has('home'));
	t.true(plan.keep.has('home'));
	t.false(plan.drop.includes('home'));
	t.deepEqual(plan.drop, ['hot'], 'the normal-place chunk fills the disk, so the cached one goes');
	t.true(shouldServe(plan, 160, 0, true));
});

test('a pull needs range, popularity and room (or a weaker chunk to displace)', (t) => {
	const plan = planServing([chunk('a', 100, 4), chunk('b', 100, 2)], budget({diskBytes: 2 * MB}));
	const b = budget({diskBytes: 2 * MB});
	t.false(shouldPull(plan, b, 100, 1, MB), 'not more popular than what the full disk holds');
	t.true(shouldPull(plan, b, 100, 3, MB), 'displaces the weakest kept chunk');
	t.false(shouldPull(plan, b, 100, 0.1, MB), 'below min popularity');
	const narrow = planServing([chunk('a', 120, 3.6)], budget({uploadBytesPerSecond: 1000}));
	t.is(narrow.range, 120);
	t.false(shouldPull(narrow, budget({uploadBytesPerSecond: 1000}), 130, 100, MB), 'out of range');
	const empty = planServing([], b);
	t.true(shouldPull(empty, b, 160, 1, MB));
	t.false(shouldPull(empty, b, 160, 1, 3 * MB), 'larger than the disk');
});

test("the operator's range and min popularity bound the plan; pinned chunks are served regardless", (t) => {
	const stats = [
		chunk('near', 140, 10),
		chunk('far', 155, 10),
		chunk('quiet', 140, 1),
		chunk('own', 159, 0, true, true),
	];
	const open = planServing(stats, budget({}));
	t.deepEqual([...open.serve].sort(), ['far', 'near', 'own', 'quiet']);
	const bounded = planServing(stats, budget({maxRange: 150, minRate: 5}));
	t.deepEqual([...bounded.serve].sort(), ['near', 'own']);
	t.is(bounded.range, 150);
	t.is(bounded.minPopularity, 5);
	t.false(shouldServe(bounded, 155, 10), 'outside the range');
	t.false(shouldServe(bounded, 140, 1), 'below min popularity');
	t.true(shouldServe(bounded, 140, 10));
});
