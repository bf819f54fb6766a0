import {type ChildProcess, spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {extname, join} from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {isTornetError, TornetError} from '../errors.js';
import {callNode} from '../node/control-client.js';
import type {Snapshot} from '../node/snapshot.js';

/** A demo peer must answer on its control socket within this; a loaded machine is slow to start. */
const READY_LIMIT_MS = 90_000;
const READY_POLL_MS = 300;
/** Between SIGTERM and SIGKILL when the demo stops. */
const STOP_GRACE_MS = 4000;
/** Lines of a peer's log shown when it fails to start. */
const LOG_TAIL_LINES = 5;

export const PEER_LOG = 'peer.log';
/** Flags a peer must not inherit: an inspector port is ours alone, profiles would pile up. */
const DEBUG_FLAG = /^--(inspect|debug|cpu-prof|heap-prof|prof)/;

export type DemoPeer = {
	index: number;
	dataDir: string;
	child: ChildProcess;
	address: string;
};

export type DemoPeerOptions = {
	index: number;
	dataDir: string;
	/** The operator's address, as the peer dials it. */
	bootstrap: string;
	/** Interface the peer binds (loopback unless the operator binds one interface). */
	host: string;
	/** Extra `tornet start` flags (disk and upload of a demo peer). */
	flags: string[];
};

/**
 * How to run this same program again: the Node binary and its loader flags (tsx under `npm start`,
 * none for the built dist/cli.js), the watchdog that ties the peer's life to ours, and the entry.
 */
export function selfCommand(): {command: string; args: string[]} {
	const here = fileURLToPath(import.meta.url);
	const watchdog = join(here, '..', `demo-watchdog${extname(here)}`);
	const entry = process.argv[1];
	if (entry === undefined) throw TornetError.notRunning('cannot tell which program to run');
	const loader = process.execArgv.filter((flag) => !DEBUG_FLAG.test(flag));
	return {command: process.execPath, args: [...loader, '--import', watchdog, entry]};
}

/** Starts `tornet start --headless` as a child process; its stdin is the watchdog's pipe. */
export function spawnPeer(options: DemoPeerOptions): ChildProcess {
	const {command, args} = selfCommand();
	const log = openSync(join(options.dataDir, PEER_LOG), 'a');
	try {
		return spawn(
			command,
			[
				...args,
				'start',
				'--headless',
				'--data',
				options.dataDir,
				'--port',
				'0',
				'--host',
				options.host,
				'--bootstrap',
				options.bootstrap,
				...options.flags,
			],
			{stdio: ['pipe', log, log], env: {...process.env, NO_COLOR: '1'}},
		);
	} finally {
		closeSync(log);
	}
}

/** Waits until the peer answers on its control socket; its address comes from the snapshot. */
export async function peerReady(
	child: ChildProcess,
	options: DemoPeerOptions,
	signal: AbortSignal,
): Promise<DemoPeer> {
	const started = Date.now();
	for (;;) {
		if (signal.aborted) throw TornetError.aborted('demo peer start');
		if (child.exitCode !== null || child.signalCode !== null)
			throw TornetError.notRunning(
				`demo peer ${options.index} exited (${child.exitCode ?? child.signalCode}): ${logTail(options.dataDir)}`,
			);
		try {
			// eslint-disable-next-line no-await-in-loop
			const snapshot = await callNode<Snapshot>(options.dataDir, 'status');
			return {
				index: options.index,
				dataDir: options.dataDir,
				child,
				address: snapshot.self.address,
			};
		} catch (error) {
			if (!isTornetError(error) || error.code !== 'NOT_RUNNING') throw error;
		}

		if (Date.now() - started > READY_LIMIT_MS)
			throw TornetError.notRunning(`demo peer ${options.index} did not start in time`);
		// eslint-disable-next-line no-await-in-loop
		await delay(READY_POLL_MS);
	}
}

/** SIGTERM, then SIGKILL for any that have not exited within the grace period. */
export async function stopChildren(children: Iterable<ChildProcess>): Promise<void> {
	await Promise.all(
		[...children].map(async (child) => {
			if (!alive(child)) return;
			const exited = new Promise<void>((resolve) => {
				child.once('exit', () => {
					resolve();
				});
			});
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
			await exited;
			clearTimeout(timer);
		}),
	);
}

/** For process 'exit' handlers, which cannot wait: no grace, nothing left running. */
export function killChildrenNow(children: Iterable<ChildProcess>): void {
	for (const child of children) if (alive(child)) child.kill('SIGKILL');
}

function alive(child: ChildProcess): boolean {
	return child.exitCode === null && child.signalCode === null;
}

function logTail(dataDir: string): string {
	try {
		const lines = readFileSync(join(dataDir, PEER_LOG), 'utf8').trimEnd().split('\n');
		return lines.slice(-LOG_TAIL_LINES).join(' | ') || 'no output';
	} catch {
		return 'no output';
	}
}
