import test from 'ava';
import {VirtualClock} from '../../source/sim/clock.js';

test('timers fire in time order, ties in the order they were set', async (t) => {
	const clock = new VirtualClock();
	const fired: string[] = [];
	clock.setTimer(30, () => fired.push('c'));
	clock.setTimer(10, () => fired.push('a'));
	clock.setTimer(10, () => fired.push('b'));
	clock.setTimer(20, () => {
		fired.push(`d@${clock.now()}`);
		clock.setTimer(5, () => fired.push(`e@${clock.now()}`));
	});
	await clock.run();
	t.deepEqual(fired, ['a', 'b', 'd@20', 'e@25', 'c']);
	t.is(clock.pending, 0);
});

test('cleared timers never fire and leave the heap at once', async (t) => {
	const clock = new VirtualClock();
	const fired: number[] = [];
	const handles = Array.from({length: 50}, (_, i) =>
		clock.setTimer((i * 7) % 50, () => fired.push(i)),
	);
	for (let i = 0; i < 50; i += 2) clock.clearTimer(handles[i]);
	t.is(clock.pending, 25);
	clock.clearTimer(handles[0]);
	await clock.run();
	t.deepEqual(
		fired.sort((a, b) => a - b),
		Array.from({length: 25}, (_, i) => i * 2 + 1),
	);
});

test('promise chains settle before virtual time moves on', async (t) => {
	const clock = new VirtualClock();
	const seen: number[] = [];
	const delay = async (ms: number) =>
		new Promise<void>((resolve) => {
			clock.setTimer(ms, resolve);
		});
	const task = async () => {
		await delay(100);
		await Promise.resolve();
		await Promise.resolve();
		seen.push(clock.now());
		await delay(50);
		seen.push(clock.now());
	};

	void task();
	clock.setTimer(101, () => seen.push(-clock.now()));
	await clock.run();
	t.deepEqual(seen, [100, -101, 150]);
});

test('run(until) stops at a virtual time and can resume', async (t) => {
	const clock = new VirtualClock();
	let count = 0;
	for (let i = 1; i <= 10; i++) clock.setTimer(i * 1000, () => count++);
	await clock.run(4500);
	t.is(count, 4);
	t.is(clock.now(), 4500);
	await clock.run();
	t.is(count, 10);
});
