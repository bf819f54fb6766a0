import test from 'ava';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/App.js';
import type {ConsoleDemo} from '../../source/ui/console-demo.js';
import {memoryController, sampleSnapshot} from './memory-controller.js';
import {KEYS, frameWhere, plain, press, ready} from './terminal.js';

/** A demo that records what it was asked to start and lets the test report milestones. */
function fakeDemo(offer: boolean) {
	const started: number[] = [];
	const listeners = new Set<(line: string) => void>();
	const demo: ConsoleDemo = {
		offer,
		defaultCount: 3,
		async start(count) {
			started.push(count);
			return `demo: starting ${count} local peers`;
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
	const report = (line: string) => {
		for (const listener of listeners) listener(line);
	};

	return {demo, started, report};
}

function setup(demo: ConsoleDemo) {
	const ui = render(
		<App
			controller={memoryController(sampleSnapshot({peers: 2, chunks: 2}))}
			color={false}
			demo={demo}
			onExit={() => undefined}
		/>,
	);
	const frame = () => plain(ui.lastFrame());
	const shows = async (pattern: RegExp) => frameWhere(frame, (text) => pattern.test(text));
	return {ui, frame, shows};
}

test('alone on the network, the console offers the demo; y starts it', async (t) => {
	const {demo, started, report} = fakeDemo(true);
	const {ui, shows} = setup(demo);
	await ready(ui.stdin);
	t.regex(await shows(/start a demo network of 3 local peers\? \[y\/N]/), /\[y\/N]/);
	await press(ui.stdin, 'y');
	t.regex(await shows(/demo: starting 3 local peers/), /starting 3/);
	t.deepEqual(started, [3]);
	report('demo: 3 peers running');
	t.regex(await shows(/demo: 3 peers running/), /3 peers running/);
	ui.unmount();
});

test('declining the offer starts nothing; :demo 2 starts two peers later', async (t) => {
	const {demo, started} = fakeDemo(true);
	const {ui, shows} = setup(demo);
	await ready(ui.stdin);
	await shows(/\[y\/N]/);
	await press(ui.stdin, 'n');
	t.regex(await shows(/no demo/), /no demo/);
	t.deepEqual(started, []);
	await press(ui.stdin, ':', ...'demo 2', KEYS.enter);
	t.regex(await shows(/demo: starting 2 local peers/), /starting 2/);
	t.deepEqual(started, [2]);
	ui.unmount();
});

test('with --bootstrap or --demo there is no offer: keys go to the panes at once', async (t) => {
	const {demo, started} = fakeDemo(false);
	const {ui, shows} = setup(demo);
	await ready(ui.stdin);
	await press(ui.stdin, KEYS.tab);
	const text = await shows(/Charts: /);
	t.regex(text, /Charts: /);
	t.notRegex(text, /\[y\/N]/);
	t.deepEqual(started, []);
	ui.unmount();
});
