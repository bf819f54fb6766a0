import type {ChildProcess} from 'node:child_process';
import {mkdirSync, rmSync} from 'node:fs';
import {mkdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {formatAddress, parseAddress} from '../identity/address.js';
import {callNode} from '../node/control-client.js';
import type {NodePublishResult} from '../node/content-service.js';
import {pick, writeSample} from './demo-content.js';
import {
	type DemoPeer,
	type DemoPeerOptions,
	killChildrenNow,
	peerReady,
	spawnPeer,
	stopChildren,
} from './demo-peer.js';
import {UsageError} from './exit.js';
import {formatBytes} from './format.js';

export const DEMO_DEFAULT_PEERS = 3;
/** Each peer is a whole node process; more than this is not a demo on one machine. */
export const DEMO_MAX_PEERS = 16;

const TICK_MS = 2000; // One scheduling round: start fetches, maybe publish.
const INITIAL_FILES = 2; // Published by each peer as soon as it runs.
const PUBLISH_EVERY_MS = 10_000; // Then one new file somewhere, so fetches keep moving real bytes.
/** A peer that has fetched everything fetches a link again (often from its cache) this seldom. */
const REFETCH_EVERY_MS = 15_000;
const MAX_FILES_PER_PEER = 6; // Published content is pinned: this bounds a peer's disk use.
const OPERATOR_FETCH_EVERY_MS = 12_000; // The operator's node fetches too, so its jobs show.
/** A fetch still running after this stops counting against the round's limit. */
const FETCH_LIMIT_MS = 90_000;
/** Small disk (cached copies get evicted and fetched again) and an upload rate that shows. */
const PEER_FLAGS = ['--disk', '48MB', '--upload', '2MB/s'];
/** Loopback and wildcard binds: peers join over loopback. */
const LOCAL_HOSTS = new Set([undefined, '0.0.0.0', '::', '127.0.0.1', 'localhost']);

export type DemoOperator = {
	/** The operator node's address (`<public key>@host:port`). */
	address: string;
	/** The interface the operator binds (its --host), if one was given. */
	host?: string;
	/** Fetches a link into a directory, as the operator's own job. */
	fetch(link: string, directory: string): Promise<unknown>;
};

/** `detail` lines are per-transfer chatter: a log keeps them, the console's status line does not. */
export type DemoLog = (line: string, detail: boolean) => void;

export type DemoOptions = {
	count: number;
	/** The operator's data directory: peers live in <dataDir>/demo/<i>, removed on stop. */
	dataDir: string;
	operator: DemoOperator;
	log?: DemoLog;
};

export type Demo = {
	readonly count: number;
	/** Peers running and answering. */
	ready(): number;
	stop(): Promise<void>;
};

/** --demo N: a whole number of peers from 1 to DEMO_MAX_PEERS. */
export function demoCount(value: number | undefined): number | undefined {
	if (value === undefined) return undefined;
	if (!Number.isInteger(value) || value < 1 || value > DEMO_MAX_PEERS)
		throw new UsageError(
			`--demo needs a number of peers from 1 to ${DEMO_MAX_PEERS}, not ${value}`,
		);
	return value;
}

type Published = {link: string; owner: number; name: string; bytes: number};

/**
 * `--demo N`: N real `tornet start --headless` processes on loopback that join the operator's node,
 * publish generated files through their control sockets and fetch each other's links, while the
 * operator's node fetches now and then too, so every pane of the console has something to show.
 * Returns at once; peers join in the background. stop() ends the peers and removes their data.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
	const log: DemoLog = options.log ?? (() => undefined);
	const root = join(options.dataDir, 'demo');
	// A demo killed with SIGKILL leaves its directories behind; they are only ever scratch.
	await rm(root, {recursive: true, force: true});
	await mkdir(root, {recursive: true});
	const {bootstrap, host} = joinAddress(options.operator);
	const children = new Set<ChildProcess>();
	const peers: DemoPeer[] = [];
	const published: Published[] = [];
	const fetched = new Map<number, Set<string>>();
	const lastFetchAt = new Map<number, number>();
	const busy = new Set<number>();
	const abort = new AbortController();
	let operatorBusy = false;
	let lastPublishAt = Date.now();
	let lastOperatorFetchAt = 0;
	let serial = 0;
	let stopped = false;

	// Whatever ends this process, the peers end with it (the watchdog covers SIGKILL).
	const onExit = () => {
		killChildrenNow(children);
		rmSync(root, {recursive: true, force: true});
	};

	process.once('exit', onExit);

	const publish = async (peer: DemoPeer) => {
		const mine = published.filter((entry) => entry.owner === peer.index).length;
		if (mine >= MAX_FILES_PER_PEER) return;
		const name = `sample-${peer.index}-${mine + 1}.bin`;
		busy.add(peer.index);
		try {
			const path = await writeSample(join(root, 'samples'), name);
			const result = await callNode<NodePublishResult>(peer.dataDir, 'publish', {path});
			if (stopped) return;
			published.push({link: result.link, owner: peer.index, name, bytes: result.bytes});
			log(`demo peer ${peer.index} published ${name} (${formatBytes(result.bytes)})`, true);
		} finally {
			busy.delete(peer.index);
		}
	};

	const fetchInto = async (
		who: string,
		entry: Published,
		fetch: (directory: string) => Promise<unknown>,
	) => {
		const directory = join(root, 'downloads', `${who}-${++serial}`);
		await mkdir(directory, {recursive: true});
		const started = Date.now();
		try {
			await withLimit(fetch(directory), FETCH_LIMIT_MS);
			if (!stopped)
				log(
					`demo ${who} fetched ${entry.name} from peer ${entry.owner} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
					true,
				);
		} finally {
			// The chunks stay in the fetcher's store (its cache); the file itself is not needed.
			await rm(directory, {recursive: true, force: true});
		}
	};

	const fetchByPeer = async (peer: DemoPeer) => {
		const others = published.filter((entry) => entry.owner !== peer.index);
		const seen = fetched.get(peer.index) ?? new Set<string>();
		fetched.set(peer.index, seen);
		const fresh = pick(others.filter((other) => !seen.has(other.link)));
		const again = Date.now() - (lastFetchAt.get(peer.index) ?? 0) >= REFETCH_EVERY_MS;
		const entry = fresh ?? (again ? pick(others) : undefined);
		if (!entry) return;
		seen.add(entry.link);
		lastFetchAt.set(peer.index, Date.now());
		busy.add(peer.index);
		try {
			await fetchInto(`peer ${peer.index}`, entry, async (output) =>
				callNode(peer.dataDir, 'fetch', {link: entry.link, output}),
			);
		} finally {
			busy.delete(peer.index);
		}
	};

	const report = (what: string) => (error: unknown) => {
		if (!stopped)
			log(`demo: ${what} failed: ${error instanceof Error ? error.message : error}`, true);
	};

	const tick = () => {
		if (stopped) return;
		const now = Date.now();
		const idle = peers.filter((peer) => !busy.has(peer.index));
		if (now - lastPublishAt >= PUBLISH_EVERY_MS) {
			const peer = pick(idle);
			if (peer) {
				lastPublishAt = now;
				void publish(peer).catch(report(`peer ${peer.index} publish`));
			}
		}

		for (const peer of idle) {
			if (busy.has(peer.index)) continue;
			void fetchByPeer(peer).catch(report(`peer ${peer.index} fetch`));
		}

		if (!operatorBusy && now - lastOperatorFetchAt >= OPERATOR_FETCH_EVERY_MS) {
			const entry = pick(published);
			if (entry) {
				operatorBusy = true;
				lastOperatorFetchAt = now;
				fetchInto('operator', entry, async (directory) =>
					options.operator.fetch(entry.link, directory),
				)
					.catch(report('operator fetch'))
					.finally(() => {
						operatorBusy = false;
					});
			}
		}
	};

	const startPeer = async (index: number) => {
		const dataDir = join(root, String(index));
		mkdirSync(dataDir, {recursive: true});
		const peerOptions: DemoPeerOptions = {index, dataDir, bootstrap, host, flags: PEER_FLAGS};
		const child = spawnPeer(peerOptions);
		children.add(child);
		child.once('exit', (code, signal) => {
			children.delete(child);
			const at = peers.findIndex((peer) => peer.child === child);
			if (at !== -1) peers.splice(at, 1);
			if (!stopped) log(`demo peer ${index} exited (${code ?? signal})`, false);
		});
		// A peer's stdin is only the watchdog's pipe; it never reads it, so errors there are moot.
		child.stdin?.on('error', () => undefined);
		const peer = await peerReady(child, peerOptions, abort.signal);
		if (stopped) return;
		peers.push(peer);
		log(`demo peer ${index} running at ${peer.address}`, true);
		for (let i = 0; i < INITIAL_FILES && !stopped; i++) await publish(peer); // eslint-disable-line no-await-in-loop
	};

	log(`demo: starting ${options.count} local peers (data in ${root})`, false);
	let started = 0;
	for (let index = 1; index <= options.count; index++)
		startPeer(index).then(
			() => {
				if (!stopped && ++started === options.count)
					log(
						`demo: ${options.count} peers running; they publish and fetch every few seconds`,
						false,
					);
			},
			report(`peer ${index} start`),
		);

	const timer = setInterval(tick, TICK_MS);
	timer.unref();

	return {
		count: options.count,
		ready: () => peers.length,
		async stop() {
			if (stopped) return;
			stopped = true;
			abort.abort();
			clearInterval(timer);
			await stopChildren(children);
			await rm(root, {recursive: true, force: true});
			process.off('exit', onExit);
		},
	};
}

/** Where peers dial the operator, and which interface they bind themselves. */
function joinAddress(operator: DemoOperator): {bootstrap: string; host: string} {
	if (!LOCAL_HOSTS.has(operator.host)) return {bootstrap: operator.address, host: operator.host!};
	// An operator on a wildcard announces its LAN address; its peers on loopback dial loopback.
	const address = parseAddress(operator.address);
	return {bootstrap: formatAddress({...address, host: '127.0.0.1'}), host: '127.0.0.1'};
}

async function withLimit(work: Promise<unknown>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const limit = new Promise<void>((resolve) => {
		timer = setTimeout(resolve, ms);
	});
	try {
		await Promise.race([work, limit]);
	} finally {
		clearTimeout(timer);
	}
}
