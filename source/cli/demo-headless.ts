import {setTimeout as delay} from 'node:timers/promises';
import {isTornetError} from '../errors.js';
import {callNode} from '../node/control-client.js';
import type {Snapshot} from '../node/snapshot.js';
import {startDemo} from './demo.js';
import {type CommonFlags, dataDirectory} from './options.js';
import {startHeadless} from './start.js';

const POLL_MS = 200;

/**
 * `tornet start --headless --demo N`: the ordinary headless node, and the demo beside it, talking
 * to the node through its control socket (as any client would) once it answers there.
 */
export async function startHeadlessDemo(flags: CommonFlags, count: number): Promise<number> {
	const dataDir = dataDirectory(flags.data);
	const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
	let finished = false;
	const running = startHeadless(flags).finally(() => {
		finished = true;
	});
	// Awaited below; until then a failed start must not count as an unhandled rejection.
	running.catch(() => undefined);
	let self: Snapshot['self'] | undefined;
	while (!finished && self === undefined) {
		try {
			// eslint-disable-next-line no-await-in-loop
			self = (await callNode<Snapshot>(dataDir, 'status')).self;
		} catch (error) {
			if (!isTornetError(error, 'NOT_RUNNING')) throw error;
			// eslint-disable-next-line no-await-in-loop
			await Promise.race([delay(POLL_MS), running.catch(() => undefined)]);
		}
	}

	if (self === undefined) return running;
	const demo = await startDemo({
		count,
		dataDir,
		operator: {
			address: self.address,
			host: flags.host,
			fetch: async (link, output) => callNode(dataDir, 'fetch', {link, output}),
		},
		log,
	});
	try {
		return await running;
	} finally {
		await demo.stop();
	}
}
