import test from 'ava';
import {App} from '../../source/ui/App.js';
import {computeLayout, nextPane} from '../../source/ui/layout.js';
import {renderConsole} from '../../source/ui/render.js';
import {memoryController, sampleSnapshot} from './memory-controller.js';
import {FakeStdin, FakeStdout, frameWhere, press, ready, renderAt} from './terminal.js';

function dimensions(frame: string) {
	const lines = frame.split('\n');
	return {rows: lines.length, widest: Math.max(...lines.map((line) => line.length))};
}

test('80×24 shows one pane under tabs in 23 rows; the panes fill exactly the space left', (t) => {
	const layout = computeLayout(80, 24, 'chunks', 0);
	if (layout.kind !== 'tabs') throw new Error(layout.kind);
	t.is(layout.height, 23);
	t.deepEqual(layout.body, {pane: 'chunks', width: 80, height: 19});
	const withJobs = computeLayout(80, 24, 'chunks', 5);
	t.is(withJobs.kind === 'tabs' && withJobs.jobRows, 2);
	t.is(withJobs.kind === 'tabs' && withJobs.body.height, 17);
});

test('below 80×24 the layout is too small', (t) => {
	t.is(computeLayout(79, 24, 'peers', 0).kind, 'too-small');
	t.is(computeLayout(80, 23, 'peers', 0).kind, 'too-small');
});

test('160×48 puts every pane on screen, columns and rows adding up to the frame', (t) => {
	const layout = computeLayout(160, 48, 'peers', 1);
	if (layout.kind !== 'grid') throw new Error(layout.kind);
	const panes = layout.columns.flatMap((column) => column.rows.flatMap((row) => row.panes));
	t.deepEqual(panes.map((box) => box.pane).sort(), [
		'charts',
		'chunks',
		'credit',
		'peers',
		'settings',
	]);
	t.is(
		layout.columns.reduce((sum, column) => sum + column.width, 0),
		160,
	);
	for (const column of layout.columns) {
		// Header, one job row, status and footer take four of the 47 rows.
		t.is(
			column.rows.reduce((sum, row) => sum + row.height, 0),
			47 - 4,
		);
		for (const row of column.rows)
			t.is(
				row.panes.reduce((sum, box) => sum + box.width, 0),
				column.width,
			);
	}
});

test('Tab order wraps both ways', (t) => {
	t.is(nextPane('peers', -1), 'settings');
	t.is(nextPane('settings', 1), 'peers');
	t.is(nextPane('charts', 1), 'chunks');
});

function app(onExit = () => {}) {
	const controller = memoryController(sampleSnapshot({peers: 60, chunks: 200, jobs: true}));
	return <App controller={controller} color={false} onExit={onExit} />;
}

test('at 160×48 all panes render side by side within 47 rows of 160 columns', async (t) => {
	const {instance, frame} = renderAt(app(), 160, 48);
	const text = await frameWhere(frame, (text) => text.includes('Settings'));
	for (const title of ['Peers', 'Charts', 'Chunks', 'Credit', 'Settings'])
		t.regex(text, new RegExp(`╭─ ${title} ─`));
	t.deepEqual(dimensions(text), {rows: 47, widest: 160});
	instance.unmount();
});

test('resizing re-lays out live: 80×24 tabs, 160×48 grid, too small, back', async (t) => {
	const {instance, stdout, frame} = renderAt(app(), 80, 24);
	let text = await frameWhere(frame, (text) => text.includes('Peers'));
	t.false(text.includes('╭─ Charts'));
	t.true(dimensions(text).rows <= 23);
	t.true(dimensions(text).widest <= 80);
	stdout.resize(160, 48);
	text = await frameWhere(frame, (text) => text.includes('╭─ Charts'));
	t.regex(text, /╭─ Charts/);
	stdout.resize(70, 20);
	text = await frameWhere(frame, (text) => text.includes('too small'));
	t.regex(text, /terminal too small: 70×20/);
	stdout.resize(100, 30);
	text = await frameWhere(frame, (text) => text.includes('Settings'));
	t.regex(text, /Peers\s+Charts\s+Chunks\s+Credit\s+Settings/);
	t.true(dimensions(text).rows <= 29);
	instance.unmount();
});

test('q still quits when the terminal is too small', async (t) => {
	let exits = 0;
	const {instance, stdin, frame} = renderAt(
		app(() => {
			exits++;
		}),
		60,
		20,
	);
	t.regex(await frameWhere(frame, (text) => text.includes('too small')), /too small/);
	await ready(stdin);
	await press(stdin, 'q');
	t.is(exits, 1);
	instance.unmount();
});

test('renderConsole draws on the alternate screen, and q gives the terminal back', async (t) => {
	const stdout = new FakeStdout(100, 30);
	const stdin = new FakeStdin();
	const handle = renderConsole(memoryController(), {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		stderr: stdout as unknown as NodeJS.WriteStream,
		color: false,
		alternateScreen: true,
	});
	t.is(stdout.frames[0], '\u001B[?1049h');
	await ready(stdin);
	await press(stdin, 'q');
	await handle.waitUntilExit();
	t.is(stdout.frames.at(-1), '\u001B[?1049l');
	t.is(stdin.listenerCount('readable'), 0);
});
