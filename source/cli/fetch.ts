import {once} from 'node:events';
import {resolve} from 'node:path';
import {tryParseLink} from '../chunks/link.js';
import {fetchedBytes, type NodeFetchResult} from '../node/content-fetch.js';
import {EXIT_OK, UsageError} from './exit.js';
import {formatBytes} from './format.js';
import type {CommonFlags} from './options.js';
import {ProgressBar} from './progress.js';
import {viaControl, withTransientNode} from './transient.js';

type Progress = {done: number; total: number; rate: number; sources: number};

/**
 * `tornet fetch <link> [-o path]`: downloads into a path (default: the current directory, under the
 * content's own name), or to stdout with `-o -`. Progress on a terminal (stderr).
 */
export async function fetchCommand(
	link: string | undefined,
	flags: CommonFlags & {json: boolean; output?: string},
): Promise<number> {
	if (!link) throw new UsageError('fetch needs a tornet: link');
	if (!tryParseLink(link))
		throw new UsageError(`${JSON.stringify(link)} is not a tornet link (tornet:<id>.<key>)`);
	const toStdout = flags.output === '-';
	if (toStdout && flags.json) throw new UsageError('--json and -o - both want stdout');
	const output = toStdout ? undefined : resolve(flags.output ?? '.');
	const bar = new ProgressBar();
	const onProgress = (value: unknown) => {
		const progress = value as Progress;
		bar.update({
			label: 'fetching',
			done: progress.done,
			total: progress.total || null,
			unit: 'bytes',
			sources: progress.sources,
		});
	};

	const write = async (bytes: Buffer) => {
		if (!process.stdout.write(bytes)) await once(process.stdout, 'drain');
	};

	let result: NodeFetchResult;
	try {
		result =
			(await viaControl<NodeFetchResult>(
				flags,
				'fetch',
				output === undefined ? {link} : {link, output},
				onProgress,
				write,
			)) ??
			(await withTransientNode(flags, async (node) =>
				node.fetch(link, output ?? process.stdout, (progress) => {
					onProgress({
						done: fetchedBytes(progress),
						total: progress.bytesTotal,
						rate: progress.rate,
						sources: progress.sources,
					});
				}),
			));
	} finally {
		bar.done();
	}

	if (flags.json) {
		process.stdout.write(JSON.stringify(result) + '\n');
		return EXIT_OK;
	}

	const holders = Object.keys(result.sources).length;
	if (!toStdout) process.stdout.write(`${result.path}\n`);
	process.stderr.write(
		`fetched ${formatBytes(result.bytes)} (${formatBytes(result.bytesReceived)} from ` +
			`${holders} ${holders === 1 ? 'holder' : 'holders'})\n`,
	);
	return EXIT_OK;
}
