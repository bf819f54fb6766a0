import test from 'ava';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/App.js';
import {TornetError} from '../../source/errors.js';
import {hexId, memoryController, sampleSnapshot} from './memory-controller.js';
import type {ExecutionContext} from 'ava';
import {KEYS, frameWhere, plain, press, ready, settle} from './terminal.js';

function setup(options: {color?: boolean; jobs?: boolean} = {}) {
	const controller = memoryController(sampleSnapshot({peers: 4, chunks: 6, jobs: options.jobs}));
	let exits = 0;
	const ui = render(
		<App
			controller={controller}
			color={options.color ?? false}
			onExit={() => {
				exits++;
			}}
		/>,
	);
	const frame = () => plain(ui.lastFrame());
	return {
		controller,
		ui,
		ready: async () => ready(ui.stdin),
		frame,
		/** Asserts that a frame matching `pattern` appears. */
		async shows(t: ExecutionContext, pattern: RegExp) {
			t.regex(await frameWhere(frame, (text) => pattern.test(text)), pattern);
		},
		exits: () => exits,
		keys: async (...keys: string[]) => press(ui.stdin, ...keys),
	};
}

test('first frame: header, tabs, the peers table and the footer keys, within 24 rows', async (t) => {
	const {ui, shows, frame, ready} = setup();
	await ready();
	await shows(t, /tornet\s+5e1f5e1f rank 12 :4000 up 1h02m/);
	const text = frame();
	await shows(t, /Peers\s+Charts\s+Chunks\s+Credit\s+Settings/);
	await shows(t, /4 peers, 2 connected/);
	t.true(text.includes('a3a3a3a3 10.0.0.4:4003'));
	await shows(t, /Peers: ↑↓ select {2}\/ filter/);
	// ink-testing-library's stdout has no rows: the console assumes 24 and draws 23.
	t.true(text.split('\n').length <= 23);
	ui.unmount();
});

test('Tab and Shift-Tab move between panes', async (t) => {
	const {ui, shows, keys, ready} = setup();
	await ready();
	await keys(KEYS.tab);
	await shows(t, /node RTT/);
	await shows(t, /Charts: v node\/peer charts/);
	await keys(KEYS.tab);
	await shows(t, /store .* 3\.0GB of 10GB \(30%\)/);
	await keys(KEYS.shiftTab, KEYS.shiftTab, KEYS.shiftTab);
	await shows(t, /› range\s+◂ 152 bits ▸/);
	ui.unmount();
});

test('/ filters the peers as you type; Esc clears the filter', async (t) => {
	const {ui, shows, frame, keys, ready} = setup();
	await ready();
	await keys('/', 'a', '1');
	await shows(t, /\/a1█ {2}1 of 4/);
	t.true(frame().includes('a1a1a1a1'));
	t.false(frame().includes('a2a2a2a2'));
	// While typing a filter, q is text, not quit.
	await keys('q');
	await shows(t, /\/a1q█ {2}0 of 4/);
	await keys(KEYS.backspace, KEYS.enter);
	await shows(t, /filter "a1": 1 of 4/);
	await keys(KEYS.escape);
	await shows(t, /4 peers, 2 connected/);
	ui.unmount();
});

test('arrows move the selected peer, and Charts follows it', async (t) => {
	const {ui, shows, keys, ready} = setup();
	await ready();
	// Sorted by download rate, highest first: a3 then a2.
	await keys(KEYS.tab);
	await shows(t, /peer a3a3a3a3 RTT/);
	await keys(KEYS.shiftTab, KEYS.down, KEYS.tab);
	await shows(t, /peer a2a2a2a2 RTT/);
	ui.unmount();
});

test('keys that arrive in one read each act on the state the previous one left', async (t) => {
	const {ui, shows, ready} = setup();
	await ready();
	// A burst over SSH: two downs and a Tab in one chunk, read before React renders again.
	ui.stdin.write(`${KEYS.down}${KEYS.down}${KEYS.tab}`);
	await shows(t, /peer a1a1a1a1 RTT/);
	ui.unmount();
});

test(':publish <path> + Enter calls publish with the path and shows the link', async (t) => {
	const {ui, shows, controller, keys, ready} = setup();
	await ready();
	await keys(':');
	await shows(t, /^:█/m);
	await keys('publish "/tmp/my file.txt"', KEYS.enter);
	t.deepEqual(controller.calls, [['publish', '/tmp/my file.txt']]);
	await shows(t, /published \/tmp\/my file\.txt \(2\.0kB\): tornet:beef/);
	ui.unmount();
});

test('a command pasted whole, Enter included, runs as if typed', async (t) => {
	const {ui, controller, shows, ready} = setup();
	await ready();
	ui.stdin.write(':publish "/tmp/a b"\r');
	await shows(t, /published \/tmp\/a b/);
	await press(ui.stdin, ':');
	ui.stdin.write('fetch tornet:abcd\r');
	await shows(t, /fetched tornet:abcd/);
	ui.stdin.write('/a2\r');
	await shows(t, /filter "a2": 1 of 4/);
	t.deepEqual(controller.calls, [
		['publish', '/tmp/a b'],
		['fetch', 'tornet:abcd'],
	]);
	ui.unmount();
});

test(':fetch passes the output path only when one is given', async (t) => {
	const {ui, controller, keys, ready} = setup();
	await ready();
	await keys(':', 'fetch tornet:abcd out.bin', KEYS.enter);
	await keys(':', 'fetch tornet:abcd', KEYS.enter);
	t.deepEqual(controller.calls, [
		['fetch', 'tornet:abcd', 'out.bin'],
		['fetch', 'tornet:abcd'],
	]);
	ui.unmount();
});

test('a rejected action shows the TornetError message on the status line', async (t) => {
	const {ui, shows, controller, keys, ready} = setup();
	await ready();
	controller.failNext('publish', TornetError.notFound('/nope'));
	await keys(':', 'publish /nope', KEYS.enter);
	await shows(t, /NOT_FOUND: \/nope was not found/);
	ui.unmount();
});

test('a bad command is reported without calling the node', async (t) => {
	const {ui, shows, controller, keys, ready} = setup();
	await ready();
	await keys(':', 'fetch http://x', KEYS.enter);
	await shows(t, /"http:\/\/x" is not a link/);
	await keys(':', 'frobnicate', KEYS.enter);
	await shows(t, /unknown command "frobnicate"/);
	t.deepEqual(controller.calls, []);
	ui.unmount();
});

test(':settle asks before money moves: n cancels, y settles with the full peer id', async (t) => {
	const {ui, shows, controller, keys, ready} = setup();
	await ready();
	await keys(':', 'settle a1a1', KEYS.enter);
	await shows(t, /Pay 20M credits to a1a1a1a1 via the default rail\? \[y\/N\]/);
	await shows(t, /y yes, settle/);
	await keys('n');
	await shows(t, /settle cancelled/);
	t.deepEqual(controller.calls, []);
	await keys(':', 'settle a1a1 bitcoin', KEYS.enter, 'y');
	t.deepEqual(controller.calls, [['settle', hexId('a1'), 'bitcoin']]);
	await shows(t, /settled 10M credits with a1a1a1a1 via bitcoin/);
	ui.unmount();
});

test('s in the Credit pane settles the selected peer after confirmation', async (t) => {
	const {ui, shows, controller, keys, ready} = setup();
	await ready();
	await keys(KEYS.tab, KEYS.tab, KEYS.tab);
	await shows(t, /owed to us/);
	// Most used line first: a3 owes us nothing and we owe it 40M of a 100M line.
	await keys('s');
	await shows(t, /Pay 40M credits to a3a3a3a3/);
	await keys('y');
	t.deepEqual(controller.calls, [['settle', hexId('a3')]]);
	ui.unmount();
});

test('arrows in Settings change range and min popularity through the controller', async (t) => {
	const {ui, shows, controller, keys, ready} = setup();
	await ready();
	await keys(KEYS.shiftTab, KEYS.right);
	await shows(t, /◂ 153 bits ▸/);
	await keys(KEYS.down, KEYS.pageUp, KEYS.left);
	t.deepEqual(controller.calls, [
		['setRange', 153],
		['setMinPopularity', 12],
		['setMinPopularity', 11],
	]);
	await shows(t, /◂ 11 q\/min ▸/);
	ui.unmount();
});

test('? shows the help overlay and any key closes it', async (t) => {
	const {ui, shows, frame, keys, exits, ready} = setup();
	await ready();
	await keys('?');
	await shows(t, /Help/);
	await shows(t, /settle <peer> \[cheque\|bitcoin\]/);
	await keys('q');
	t.is(exits(), 0);
	t.notRegex(
		await frameWhere(frame, (text) => !text.includes('Commands (press')),
		/Commands \(press/,
	);
	ui.unmount();
});

test('p pauses updates and resuming shows the latest snapshot', async (t) => {
	const {ui, shows, controller, frame, keys, ready} = setup();
	await ready();
	await keys('p');
	await shows(t, /PAUSED/);
	controller.push(sampleSnapshot({peers: 9}));
	await settle();
	await shows(t, /4 peers/);
	await keys('p');
	await shows(t, /9 peers/);
	t.notRegex(frame(), /PAUSED/);
	ui.unmount();
});

test('new snapshots are rendered as they arrive, and unmount unsubscribes', async (t) => {
	const {ui, shows, controller, ready} = setup();
	await ready();
	t.is(controller.listenerCount(), 1);
	controller.push(sampleSnapshot({peers: 6}));
	await settle();
	await shows(t, /6 peers, 4 connected/);
	ui.unmount();
	t.is(controller.listenerCount(), 0);
});

test('running jobs show their progress', async (t) => {
	const {ui, shows, ready} = setup({jobs: true});
	await ready();
	await shows(t, /» fetch tornet:cafecafe.*40% {2}5\.0MB\/s 3 src eta 12s/);
	ui.unmount();
});

test('q calls onExit; :quit too', async (t) => {
	const {ui, keys, exits, ready} = setup();
	await ready();
	await keys('q');
	t.is(exits(), 1);
	await keys(':', 'quit', KEYS.enter);
	t.is(exits(), 2);
	ui.unmount();
});

test('colour codes only when colour is on', async (t) => {
	const colored = setup({color: true});
	const monochrome = setup({color: false});
	await colored.ready();
	await monochrome.ready();
	const sgrColor = /\u001B\[[\d;]*3\dm/;
	t.regex(colored.ui.lastFrame() ?? '', sgrColor);
	t.notRegex(monochrome.ui.lastFrame() ?? '', sgrColor);
	colored.ui.unmount();
	monochrome.ui.unmount();
});
