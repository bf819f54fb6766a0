import {createHash, randomBytes} from 'node:crypto';
import dgram from 'node:dgram';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {callNode} from '../../source/node/control-client.js';
import type {NodeFetchResult} from '../../source/node/content-fetch.js';
import type {NodePublishResult} from '../../source/node/content-service.js';
import type {LedgerReply, SettleReply} from '../../source/market/ledger-view.js';
import {LabNode} from './lab-node.js';

/**
 * `<data>/market.json` of every crash-loop node: lines small enough that every few chunks a
 * fetcher hits PAYMENT_REQUIRED and settles, so kills land in the middle of settlements too.
 * New identities have rank 8 or more: a line is 2 MB × 8 × 1 bit = 16 M credits, about ten 1 MiB
 * chunks at the 1-bit floor (the factor is max(1, shared prefix bits): 1.5 on average). Not less:
 * a chunk sharing k bits with its holder costs k M credits, and one priced above the whole line
 * could never be bought (with 1 MiB chunks, k > 15 has odds 2^-15 per chunk and holder).
 */
export const CRASH_MARKET = {
	lineBytesPerRank: 2_000_000,
	lineBits: 1,
	// Every node fetches from every other, so cheques flow all ways and mostly net out; the
	// limit only has to stay out of the way of a pure downloader's run of cheques.
	chequeLimitLines: 1000,
	chequesPerMinute: 6000,
	// Forgive some of every debt for free (pseudosettle), and cheques pay the rest: both rails run.
	allowanceReciprocal: false,
	allowancePerSecond: '200000',
	// A debt raised past the line by reconciliation (a cut transfer counted in full) still settles.
	autoSettleCredits: '1000000000',
	// The original rules: a peer's full line at once, no bound on strangers together. The loop
	// checks crash consistency, not what a stranger may owe (test/market/ covers that).
	openingLinePermille: 1000,
	strangerSharePermille: 1000,
} as const;

export type Content = {link: string; sha256: string; bytes: number; holders: Set<number>};
export type FetchOutcome = {ok: boolean; error?: string; bytesReceived?: number};

export async function freePort(): Promise<number> {
	const socket = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	const {port} = socket.address();
	await new Promise<void>((resolve) => {
		socket.close(() => resolve());
	});
	return port;
}

export const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Real `tornet start --headless` processes on loopback, each with the crash market settings,
 * driven through their control sockets (no CLI process per command: a tsx start costs ~1.5 s).
 */
export class CrashCluster {
	readonly nodes: LabNode[] = [];
	/** Node ids (hex), in the order of `nodes`. */
	readonly ids: string[] = [];
	private readonly directory: string;

	constructor(directory: string) {
		this.directory = directory;
	}

	async start(count: number, flags: string[]): Promise<void> {
		for (let index = 0; index < count; index++) {
			const dataDir = join(this.directory, `node-${index}`);
			await mkdir(dataDir, {recursive: true, mode: 0o700});
			await writeFile(join(dataDir, 'market.json'), JSON.stringify(CRASH_MARKET));
			const node = new LabNode({
				dataDir,
				host: '127.0.0.1',
				port: await freePort(),
				bootstrap: this.nodes.map((other) => other.address),
				flags,
			});
			this.nodes.push(node);
			await node.start();
			this.ids.push((await node.status()).self.idHex);
		}

		// A restarted node keeps no contacts: each knows every other one, as an operator would set it.
		for (const node of this.nodes)
			node.spec.bootstrap = this.nodes
				.filter((other) => other !== node)
				.map((other) => other.address);
	}

	dataDir(index: number): string {
		return this.nodes[index].spec.dataDir;
	}

	/** Writes `bytes` random bytes and publishes them on node `index`; throws if the node dies. */
	async publish(index: number, path: string, bytes: number): Promise<Content> {
		const content = randomBytes(bytes);
		await writeFile(path, content);
		const result = await callNode<NodePublishResult>(this.dataDir(index), 'publish', {path});
		return {
			link: result.link,
			sha256: createHash('sha256').update(content).digest('hex'),
			bytes,
			holders: new Set([index]),
		};
	}

	/** Node `index` fetches `content` into `out`; ok only when the file is byte-exact. Never throws. */
	async fetch(index: number, content: Content, out: string): Promise<FetchOutcome> {
		try {
			const result = await callNode<NodeFetchResult>(this.dataDir(index), 'fetch', {
				link: content.link,
				output: out,
			});
			const sha256 = createHash('sha256')
				.update(await readFile(out))
				.digest('hex');
			return sha256 === content.sha256
				? {ok: true, bytesReceived: result.bytesReceived}
				: {ok: false, error: 'fetched bytes differ from the published ones'};
		} catch (error) {
			return {ok: false, error: errorText(error)};
		}
	}

	/**
	 * True once node `index` shows a running job whose target contains `target`; false after `ms`
	 * or once `done` settles (the job ended before a status call saw it).
	 */
	async jobRunning(
		index: number,
		target: string,
		ms: number,
		done: Promise<unknown>,
	): Promise<boolean> {
		let ended = false;
		void done.finally(() => {
			ended = true;
		});
		const deadline = Date.now() + ms;
		while (Date.now() < deadline && !ended) {
			const snapshot = await this.nodes[index].status().catch(() => undefined);
			if (snapshot?.jobs.some((job) => job.state === 'running' && job.target.includes(target)))
				return true;
			await sleep(20);
		}

		return false;
	}

	/** Resolves true when no node runs a publish or fetch, false if one still does after `ms`. */
	async quiet(ms: number): Promise<boolean> {
		const deadline = Date.now() + ms;
		for (;;) {
			const snapshots = await Promise.all(
				this.nodes.map(async (node) => node.status().catch(() => undefined)),
			);
			const busy = snapshots.some(
				(snapshot) => !snapshot || snapshot.jobs.some((job) => job.state === 'running'),
			);
			if (!busy) return true;
			if (Date.now() > deadline) return false;
			await sleep(100);
		}
	}

	/** `tornet settle <peer>` on node `index`: reconciles with the peer, then pays any debt. */
	async settle(index: number, peer: number): Promise<SettleReply | Error> {
		return callNode<SettleReply>(this.dataDir(index), 'settle', {peer: this.ids[peer]}).catch(
			(error: unknown) => (error instanceof Error ? error : new Error(String(error))),
		);
	}

	/** `tornet ledger --json` of every node. */
	async ledgers(): Promise<LedgerReply[]> {
		return Promise.all(
			this.nodes.map(async (_node, index) => callNode<LedgerReply>(this.dataDir(index), 'ledger')),
		);
	}

	/**
	 * Every node settles with every peer it has an account with, one call at a time: each call
	 * first merges the peer's events (reconcile.ts), which the node that survived a crash does not
	 * do by itself (it reconciles once per run), then pays any debt left. Returns the errors.
	 */
	async reconcileAll(): Promise<string[]> {
		const errors: string[] = [];
		const ledgers = await this.ledgers();
		for (const [index, reply] of ledgers.entries()) {
			for (const account of reply.accounts) {
				const peer = this.ids.indexOf(account.peer);
				if (peer < 0) continue;
				const result = await this.settle(index, peer);
				if (result instanceof Error) errors.push(`${index}→${peer}: ${result.message}`);
			}
		}

		return errors;
	}

	async stop(): Promise<void> {
		await Promise.all(this.nodes.map(async (node) => node.stop()));
	}

	async kill(): Promise<void> {
		await Promise.all(this.nodes.map(async (node) => node.kill()));
	}
}
