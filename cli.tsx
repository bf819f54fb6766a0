#!/usr/bin/env node
import process from 'node:process';
import meow from 'meow';
import {HELP} from './source/cli/help.js';
import {EXIT_USAGE, runCommand, UsageError} from './source/cli/exit.js';
import {idCommand} from './source/cli/id.js';
import {pingCommand} from './source/cli/ping.js';
import {rankCommand} from './source/cli/rank.js';
import {dataDirectory} from './source/cli/options.js';
import {startConsole} from './source/cli/console.js';
import {startHeadless} from './source/cli/start.js';
import {demoCount} from './source/cli/demo.js';
import {startHeadlessDemo} from './source/cli/demo-headless.js';
import {peersCommand, statusCommand} from './source/cli/status.js';
import {publishCommand} from './source/cli/publish.js';
import {fetchCommand} from './source/cli/fetch.js';
import {ledgerCommand} from './source/cli/ledger.js';
import {settleCommand} from './source/cli/settle.js';

const cli = meow(HELP, {
	importMeta: import.meta,
	allowUnknownFlags: false,
	flags: {
		data: {type: 'string'},
		port: {type: 'number'},
		host: {type: 'string'},
		announce: {type: 'string'},
		bootstrap: {type: 'string', isMultiple: true},
		disk: {type: 'string'},
		upload: {type: 'string'},
		output: {type: 'string', shortFlag: 'o'},
		gateway: {type: 'number'},
		rail: {type: 'string'},
		minRank: {type: 'number'},
		headless: {type: 'boolean', default: false},
		color: {type: 'boolean', default: true},
		count: {type: 'number'},
		target: {type: 'number'},
		threads: {type: 'number'},
		json: {type: 'boolean', default: false},
		demo: {type: 'number'},
		replicas: {type: 'number'},
		maxPrice: {type: 'string'},
	},
});

const [command = 'start', ...rest] = cli.input;
const {flags} = cli;

async function main(): Promise<number> {
	switch (command) {
		case 'start': {
			// A service, a pipe or a container gets log lines; a person at a terminal gets the console.
			const interactive = !flags.headless && process.stdin.isTTY && process.stdout.isTTY;
			return runCommand('start', async () => {
				if (interactive) return startConsole(flags);
				const demo = demoCount(flags.demo);
				return demo === undefined ? startHeadless(flags) : startHeadlessDemo(flags, demo);
			});
		}

		case 'id': {
			return runCommand('id', async () => idCommand(flags));
		}

		case 'status': {
			return runCommand('status', async () => statusCommand(flags));
		}

		case 'peers': {
			return runCommand('peers', async () => peersCommand(flags));
		}

		case 'publish': {
			return runCommand('publish', async () => publishCommand(rest[0], flags));
		}

		case 'fetch': {
			return runCommand('fetch', async () => fetchCommand(rest[0], flags));
		}

		case 'ledger': {
			return runCommand('ledger', async () => ledgerCommand(flags));
		}

		case 'settle': {
			return runCommand('settle', async () => settleCommand(rest[0], flags));
		}

		case 'ping': {
			return runCommand('ping', async () => pingCommand(rest[0], flags));
		}

		case 'rank': {
			return runCommand('rank', async () => {
				if (flags.target === undefined) throw new UsageError('rank needs --target <bits>');
				return rankCommand({
					dataDir: dataDirectory(flags.data),
					target: flags.target,
					threads: flags.threads,
					json: flags.json,
					stdout: process.stdout,
					stderr: process.stderr,
				});
			});
		}

		default: {
			process.stderr.write(
				`tornet: unknown command ${JSON.stringify(command)}\nRun \`tornet --help\` for usage.\n`,
			);
			return EXIT_USAGE;
		}
	}
}

process.exitCode = await main();
