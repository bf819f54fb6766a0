import {execFileSync} from 'node:child_process';
import {mkdtemp} from 'node:fs/promises';
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

		const first = await screenUntil(session, /Peers:.*Tab next pane/);
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
		await screenUntil(session, /help/i);
		tmux('send-keys', '-t', session, 'Escape');
		tmux('send-keys', '-t', session, 'q');
		const after = await screenUntil(session, /exit 0/);
		t.regex(after, /exit 0/, 'q quits with status 0 and gives the terminal back');
	},
);
