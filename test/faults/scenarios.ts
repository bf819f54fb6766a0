import {join} from 'node:path';
import {type Fetched, fetchTo, publishRandom} from './lab-content.js';
import {type LabNode, openPeers} from './lab-node.js';
import type {Lab} from './netns.js';
import type {RelayCounts} from './path-relay.js';

const MB = 1_000_000;

export type LabContext = {
	lab: Lab;
	/** nodes[i] runs in lab host i (1-based; nodes[0] is unused). */
	nodes: LabNode[];
	/** The host that reaches the others only through the relay, and the relay's counters. */
	relayed: number;
	relayCounts: RelayCounts;
	directory: string;
	quick: boolean;
	log: (line: string) => void;
};

export type ScenarioResult = {
	name: string;
	ok: boolean;
	seconds: number;
	checks: Record<string, boolean>;
	figures: Record<string, number | string>;
	error?: string;
};

export type Scenario = {
	name: string;
	run: (context: LabContext) => Promise<Omit<ScenarioResult, 'name' | 'seconds' | 'ok'>>;
};

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` resolves true; false after `ms`. */
async function eventually(
	check: () => Promise<boolean>,
	ms: number,
	everyMs = 500,
): Promise<boolean> {
	const deadline = Date.now() + ms;
	for (;;) {
		if (await check().catch(() => false)) return true;
		if (Date.now() > deadline) return false;
		await sleep(everyMs);
	}
}

function fetchFigures(prefix: string, fetched: Fetched): Record<string, number | string> {
	return {
		[`${prefix}Seconds`]: Number(fetched.seconds.toFixed(1)),
		[`${prefix}MBps`]: Number((fetched.bytes / MB / fetched.seconds).toFixed(2)),
		...(fetched.error ? {[`${prefix}Error`]: fetched.error} : {}),
	};
}

/** Through the seeded relay: loss, 100 ms RTT with jitter (reordering), duplication. */
const lossyPath: Scenario = {
	name: 'lossy path (relay)',
	async run(context) {
		const {nodes, relayed, directory, quick} = context;
		const bytes = quick ? MB / 2 : 4 * MB;
		const content = await publishRandom(nodes[1].spec.dataDir, join(directory, 'lossy.bin'), bytes);
		const before = {...context.relayCounts};
		const fetched = await fetchTo(
			nodes[relayed].spec.dataDir,
			content,
			join(directory, 'lossy.out'),
			300_000,
		);
		const snapshot = await nodes[relayed].status();
		const counts = context.relayCounts;
		const packets = counts.packets - before.packets;
		return {
			checks: {fetchedByteExact: fetched.ok, peersOpen: openPeers(snapshot) > 0},
			figures: {
				bytes,
				...fetchFigures('fetch', fetched),
				relayPackets: packets,
				dropped: counts.dropped - before.dropped,
				duplicated: counts.duplicated - before.duplicated,
				reordered: counts.reordered - before.reordered,
			},
		};
	},
};

/** `tc tbf` on one host's veth: the fetch completes at the limited rate. */
const rateLimited: Scenario = {
	name: 'tbf 2 mbit on one veth',
	async run(context) {
		const {lab, nodes, directory, quick} = context;
		const bytes = quick ? MB / 2 : 2 * MB;
		const content = await publishRandom(nodes[2].spec.dataDir, join(directory, 'tbf.bin'), bytes);
		await lab.rateLimit(3, '2mbit');
		try {
			const fetched = await fetchTo(
				nodes[3].spec.dataDir,
				content,
				join(directory, 'tbf.out'),
				180_000,
			);
			const mbit = (fetched.bytes * 8) / 1e6 / fetched.seconds;
			return {
				checks: {fetchedByteExact: fetched.ok, heldToTheLimit: fetched.ok && mbit < 2.2},
				figures: {bytes, ...fetchFigures('fetch', fetched), mbit: Number(mbit.toFixed(2))},
			};
		} finally {
			await lab.clearRateLimit(3);
		}
	},
};

/** One host's link down for a while: the others carry on; on its return it heals and is found. */
const partition: Scenario = {
	name: 'partition and return',
	async run(context) {
		const {lab, nodes, directory, quick, log} = context;
		const cut = 4;
		const downSeconds = quick ? 15 : 60;
		const held = await publishRandom(nodes[cut].spec.dataDir, join(directory, 'held.bin'), MB);
		await lab.setLink(cut, false);
		log(`host ${cut} partitioned for ${downSeconds} s`);
		const downAt = Date.now();
		const during = await publishRandom(nodes[2].spec.dataDir, join(directory, 'during.bin'), MB);
		const othersFetch = await fetchTo(
			nodes[1].spec.dataDir,
			during,
			join(directory, 'during.out'),
			120_000,
		);
		await sleep(Math.max(0, downSeconds * 1000 - (Date.now() - downAt)));
		await lab.setLink(cut, true);
		log(`host ${cut} back`);
		const returnedFetch = await fetchTo(
			nodes[cut].spec.dataDir,
			during,
			join(directory, 'during.cut.out'),
			120_000,
		);
		const foundAgain = await fetchTo(
			nodes[3].spec.dataDir,
			held,
			join(directory, 'held.out'),
			120_000,
		);
		const healed = await eventually(async () => openPeers(await nodes[cut].status()) > 0, 30_000);
		// The headless log reports contacts every 10 s: wait for a line written after the return.
		const lines = nodes[cut].output.split('\n').length;
		await eventually(async () => nodes[cut].output.split('\n').length > lines + 1, 25_000);
		const contacts = nodes[cut].contacts ?? 0;
		return {
			checks: {
				othersFetchDuringPartition: othersFetch.ok,
				returnedNodeFetches: returnedFetch.ok,
				itsChunksFoundAgain: foundAgain.ok,
				peersOpenAgain: healed,
				contactsAgain: contacts > 0,
			},
			figures: {
				downSeconds,
				...fetchFigures('during', othersFetch),
				...fetchFigures('returned', returnedFetch),
				...fetchFigures('foundAgain', foundAgain),
				contacts,
			},
		};
	},
};

/** The fetching node killed mid-transfer and restarted: the fetch resumes; the store is whole. */
const killedDuringFetch: Scenario = {
	name: 'SIGKILL during fetch',
	async run(context) {
		const {nodes, directory, quick, log} = context;
		const victim = nodes[3];
		const bytes = (quick ? 8 : 24) * MB;
		const content = await publishRandom(nodes[2].spec.dataDir, join(directory, 'kill.bin'), bytes);
		const out = join(directory, 'kill.out');
		const first = fetchTo(victim.spec.dataDir, content, out, 300_000);
		let doneAtKill = 0;
		const reached = await eventually(
			async () => {
				const job = (await victim.status()).jobs.find((entry) => entry.target === content.link);
				doneAtKill = job?.doneBytes ?? 0;
				return doneAtKill >= 0.35 * bytes;
			},
			120_000,
			100,
		);
		await victim.kill();
		const interrupted = await first;
		log(`killed at ${doneAtKill} of ${bytes} bytes`);
		await victim.start();
		const resumed = await fetchTo(victim.spec.dataDir, content, out, 300_000);
		const again = await fetchTo(
			victim.spec.dataDir,
			content,
			join(directory, 'kill.again'),
			60_000,
		);
		const saved = bytes - resumed.bytesReceived;
		return {
			checks: {
				killedMidTransfer: reached && !interrupted.ok && doneAtKill < bytes,
				resumedByteExact: resumed.ok,
				// Slices verified before the kill are not fetched again (a slice in flight may be).
				notRedownloaded: resumed.bytesReceived <= bytes - 0.8 * doneAtKill,
				storeServesItLocally: again.ok && again.bytesReceived === 0,
			},
			figures: {
				bytes,
				doneAtKill,
				resumedReceived: resumed.bytesReceived,
				savedBytes: saved,
				...fetchFigures('resume', resumed),
			},
		};
	},
};

export const scenarios: Scenario[] = [lossyPath, rateLimited, partition, killedDuringFetch];

/** After everything: no node has a fetch or publish still running. */
/** Jobs still running on any node at the end (empty: none), as `host: kind id` lines. */
export async function stuckJobs(nodes: LabNode[]): Promise<string[]> {
	const stuck: string[] = [];
	for (const [index, node] of nodes.entries()) {
		if (index === 0) continue;
		let snapshot;
		try {
			snapshot = await node.status();
		} catch (error) {
			stuck.push(`host ${index}: status failed: ${(error as Error).message}`);
			continue;
		}

		for (const job of snapshot.jobs)
			if (job.state === 'running') stuck.push(`host ${index}: ${JSON.stringify(job)}`);
	}

	return stuck;
}
