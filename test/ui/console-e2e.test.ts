import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {cliPath} from '../helpers/run-cli.js';

/**
 * The real executable in a real pseudo-terminal (tmux), keys pressed and the screen read back.
 * CI=false because Ink prints no live frames when CI is set.
 */
const hasTmux = (() => {
	try {
		execFileSync('tmux', ['-V']);
		return true;
	} catch {
		return false;
	}
})();

const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'});

async function screenUntil(session: string, pattern: RegExp, limitMs = 30_000): Promise<string> {
	const started = Date.now();
	let screen = '';
	while (Date.now() - started < limitMs) {
		try {
			screen = tmux('capture-pane', '-t', session, '-p');
		} catch {
			screen = '';
		}

		if (pattern.test(screen)) return screen;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}

	throw new Error(`screen never matched ${pattern}:\n${screen}`);
}

(hasTmux ? test : test.skip)(
	'the console runs in an 80x24 terminal and answers keys',
	async (t) => {
		const data = await mkdtemp(join(tmpdir(), 'tornet-console-'));
		const session = `tornet-e2e-${process.pid}`;
		const command = `CI=false '${process.execPath}' --import=tsx '${cliPath}' --data '${data}' --port 0 --host 127.0.0.1; echo "exit $?"; sleep 30`;
		tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);
		t.teardown(() => {
			try {
				tmux('kill-session', '-t', session);
			} catch {}
		});

		// Alone on the network (no --bootstrap): the console offers the demo first; n declines.
		await screenUntil(session, /start a demo network of \d+ local peers\? \[y\/N]/);
		tmux('send-keys', '-t', session, 'n');
		const first = await screenUntil(session, /Peers:.*Tab next pane/);
		t.regex(first, /no demo/);
		t.regex(first, /tornet\s+[\da-f]{8} rank \d+/);
		t.true(
			first.trimEnd().split('\n').length <= 23,
			'the frame is one row shorter than the terminal',
		);
		for (const line of first.split('\n'))
			t.true([...line].length <= 80, `line fits 80 columns: ${line}`);

		tmux('send-keys', '-t', session, 'Tab');
		await screenUntil(session, /Charts:/);
		tmux('send-keys', '-t', session, '?');
		await screenUntil(session, /Any key closes this help/);
		// One key at a time: Escape and q arriving together read as Alt-q, which is not quit.
		tmux('send-keys', '-t', session, 'Escape');
		await screenUntil(session, /^(?![\s\S]*Any key closes)[\s\S]*Charts:/);
		tmux('send-keys', '-t', session, 'q');
		const after = await screenUntil(session, /exit 0/);
		t.regex(after, /exit 0/, 'q quits with status 0 and gives the terminal back');
	},
);

(hasTmux ? test : test.skip)(
	'--demo 2 brings up peers and jobs within seconds, and quitting removes them',
	async (t) => {
		const data = await mkdtemp(join(tmpdir(), 'tornet-demo-'));
		t.teardown(async () => rm(data, {recursive: true, force: true}));
		const session = `tornet-e2e-demo-${process.pid}`;
		const command = `CI=false '${process.execPath}' --import=tsx '${cliPath}' --demo 2 --data '${data}' --port 0 --host 127.0.0.1; echo "exit $?"; sleep 30`;
		tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '48', command);
		t.teardown(() => {
			try {
				tmux('kill-session', '-t', session);
			} catch {}
		});

		// Two real peer processes join: the Peers pane lists them, connected.
		const joined = await screenUntil(session, /2 peers, 2 connected/, 50_000);
		t.notRegex(joined, /start a demo network/, 'with --demo there is no offer');
		t.true(existsSync(join(data, 'demo', '1')), 'peer data lives under <data>/demo');
		// They publish, and the operator's node fetches one of their links: a job shows.
		const withJob = await screenUntil(session, /[»✓] fetch tornet:[\da-f]/, 40_000);
		t.regex(withJob, /127\.0\.0\.1:\d+ .* connected/);

		// Keys still work while the demo runs: select a peer, chart it, move focus.
		tmux('send-keys', '-t', session, 'Down');
		await screenUntil(session, /peer [\da-f]{8} RTT/);
		tmux('send-keys', '-t', session, 'Tab');
		await screenUntil(session, /Charts:/);

		tmux('send-keys', '-t', session, 'q');
		await screenUntil(session, /exit 0/, 20_000);
		t.false(existsSync(join(data, 'demo')), 'the demo peers and their data are gone');
	},
);
