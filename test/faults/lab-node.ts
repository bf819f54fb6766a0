import {type ChildProcess, spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {callNode} from '../../source/node/control-client.js';
import type {Snapshot} from '../../source/node/snapshot.js';
import {cliPath} from '../helpers/run-cli.js';

/** tsx resolves from the working directory: run every child from the project root. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const ADDRESS = /listening on ([\da-f]{64}@[\d.]+:\d+)/;
const CONTACTS = /(\d+) contacts/g;
const READY_MS = 120_000; // tsx compiles the CLI on start: slow on a busy 2-core machine

export type NodeSpec = {
	/** Network namespace to run in; none for the current one. */
	namespace?: string;
	dataDir: string;
	host: string;
	port: number;
	bootstrap?: string[];
	/** Extra flags (e.g. --upload 2MB/s). */
	flags?: string[];
};

/**
 * A real `tornet start --headless` process (inside a namespace through `ip netns exec`, which
 * execs, so the pid is the node's own and SIGKILL hits it). Restartable with the same data dir.
 */
export class LabNode {
	readonly spec: NodeSpec;
	address = '';
	private child: ChildProcess | undefined;
	private log = '';

	constructor(spec: NodeSpec) {
		this.spec = spec;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get running(): boolean {
		return (
			this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
		);
	}

	/** Contacts in the routing table, from the last headless status line (one per 10 s). */
	get contacts(): number | undefined {
		const all = [...this.log.matchAll(CONTACTS)];
		const last = all.at(-1);
		return last ? Number(last[1]) : undefined;
	}

	get output(): string {
		return this.log;
	}

	async start(): Promise<void> {
		const {namespace, dataDir, host, port, bootstrap = [], flags = []} = this.spec;
		const node = [
			process.execPath,
			'--import=tsx',
			cliPath,
			'start',
			'--headless',
			'--data',
			dataDir,
			'--host',
			host,
			'--port',
			String(port),
			...bootstrap.flatMap((address) => ['--bootstrap', address]),
			...flags,
		];
		const [command, ...args] = namespace ? ['ip', 'netns', 'exec', namespace, ...node] : node;
		const child = spawn(command, args, {cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe']});
		this.child = child;
		this.log = '';
		const append = (chunk: Buffer) => {
			this.log += chunk.toString();
			if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
		};

		child.stdout.on('data', append);
		child.stderr.on('data', append);
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(new Error(`node ${dataDir} not ready in ${READY_MS} ms:\n${this.log}`));
			}, READY_MS);
			const check = () => {
				const match = ADDRESS.exec(this.log);
				if (!match) return;
				clearTimeout(timer);
				child.stdout.off('data', check);
				this.address = match[1];
				resolve();
			};

			child.stdout.on('data', check);
			child.once('exit', (code, signal) => {
				clearTimeout(timer);
				reject(new Error(`node exited (${code ?? signal}) before it was ready:\n${this.log}`));
			});
		});
	}

	/** SIGKILL: no close, no flush, the store as the crash left it. */
	async kill(): Promise<void> {
		await this.signal('SIGKILL');
	}

	async stop(): Promise<void> {
		await this.signal('SIGTERM');
	}

	async status(): Promise<Snapshot> {
		return callNode<Snapshot>(this.spec.dataDir, 'status');
	}

	private async signal(signal: NodeJS.Signals): Promise<void> {
		const {child} = this;
		if (!child || !this.running) return;
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		child.kill(signal);
		const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(timer);
	}
}

/** Open (connected or idle) peers in a snapshot. */
export function openPeers(snapshot: Snapshot): number {
	return snapshot.peers.filter((peer) => peer.state === 'connected' || peer.state === 'idle')
		.length;
}
