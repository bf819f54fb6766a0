import {resolve} from 'node:path';
import type {NodePublishResult} from '../node/content-service.js';
import {EXIT_OK} from './exit.js';
import {formatBytes} from './format.js';
import type {CommonFlags} from './options.js';
import {ProgressBar} from './progress.js';
import {viaControl, withTransientNode} from './transient.js';
import {UsageError} from './exit.js';

type Progress = {phase: string; done: number; total: number};

/** `tornet publish <file|dir>`: prints the link (stdout), progress on a terminal (stderr). */
export async function publishCommand(
	target: string | undefined,
	flags: CommonFlags & {json: boolean},
): Promise<number> {
	if (!target) throw new UsageError('publish needs a file or directory');
	const path = resolve(target);
	const bar = new ProgressBar();
	const onProgress = (value: unknown) => {
		const progress = value as Progress;
		bar.update(
			progress.phase === 'store'
				? {label: 'publishing', done: progress.done, total: progress.total, unit: 'bytes'}
				: {label: 'announcing', done: progress.done, total: progress.total, unit: 'items'},
		);
	};

	let transient = false;
	let result: NodePublishResult;
	try {
		result =
			(await viaControl<NodePublishResult>(flags, 'publish', {path}, onProgress)) ??
			(await withTransientNode(flags, async (node) => {
				transient = true;
				return node.publish(path, onProgress);
			}));
	} finally {
		bar.done();
	}

	if (flags.json) {
		process.stdout.write(JSON.stringify({...result, transient}) + '\n');
		return EXIT_OK;
	}

	process.stdout.write(`${result.link}\n`);
	process.stderr.write(
		`published ${formatBytes(result.bytes)} in ${result.chunks} chunks; ` +
			`${result.announced} of ${result.chunks} announced\n`,
	);
	if (transient)
		process.stderr.write(
			'no node is running with this data directory: the content is stored there and is ' +
				'served while `tornet start` runs\n',
		);
	return EXIT_OK;
}
