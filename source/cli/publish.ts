import {resolve} from 'node:path';
import type {NodePublishResult} from '../node/content-service.js';
import {EXIT_OK} from './exit.js';
import {formatBytes} from './format.js';
import type {CommonFlags} from './options.js';
import {ProgressBar} from './progress.js';
import {viaControl, withTransientNode} from './transient.js';
import {UsageError} from './exit.js';
import {replicationParams} from '../node/node-control.js';
import {MAX_REPLICAS, type ReplicateResult} from '../node/replicate.js';

/** `--replicas N` and `--max-price <credits>` as the control method takes them (maxPrice as text). */
function replicationFlags(flags: {
	replicas?: number;
	maxPrice?: string;
}): {replicas: number; maxPrice?: string} | undefined {
	const {replicas, maxPrice} = flags;
	if (replicas === undefined || replicas === 0) {
		if (maxPrice !== undefined) throw new UsageError('--max-price goes with --replicas');
		return undefined;
	}

	if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS)
		throw new UsageError(`--replicas needs a whole number from 0 to ${MAX_REPLICAS}`);
	if (maxPrice !== undefined && !/^\d{1,20}$/.test(String(maxPrice)))
		throw new UsageError(`--max-price needs a whole number of credits, not ${maxPrice}`);
	return {replicas, ...(maxPrice === undefined ? {} : {maxPrice: String(maxPrice)})};
}

/** What the nodes near the chunks said to our offers, for people. */
export function replicaLines(replicas: ReplicateResult): string {
	const refused = [
		replicas.refusedRank > 0 ? `${replicas.refusedRank} for rank (theirs is not below ours)` : '',
		replicas.refusedPrice > 0
			? `${replicas.refusedPrice} for price (asked ${replicas.prices.join(', ')} credits)`
			: '',
		replicas.refusedDisk > 0 ? `${replicas.refusedDisk} for a full disk` : '',
	].filter(Boolean);
	const lines = [
		`offered to nodes near each chunk: ${replicas.offers} offers, ${replicas.accepted} accepted` +
			(replicas.held > 0 ? ` (${replicas.held} held already)` : '') +
			`, ${replicas.charged} credits charged`,
	];
	if (refused.length > 0) lines.push(`refused: ${refused.join('; ')}`);
	if (replicas.failed > 0)
		lines.push(`failed: ${replicas.failed} (unreachable, busy, failed pull)`);
	if (replicas.refusedPrice > 0 && replicas.accepted === 0)
		lines.push('pay a node its price with --max-price <credits>');
	return lines.map((line) => `${line}\n`).join('');
}

type Progress = {phase: string; done: number; total: number};

/** `tornet publish <file|dir>`: prints the link (stdout), progress on a terminal (stderr). */
export async function publishCommand(
	target: string | undefined,
	flags: CommonFlags & {json: boolean; replicas?: number; maxPrice?: string},
): Promise<number> {
	if (!target) throw new UsageError('publish needs a file or directory');
	const path = resolve(target);
	const replication = replicationFlags(flags);
	const bar = new ProgressBar();
	const onProgress = (value: unknown) => {
		const progress = value as Progress;
		bar.update(
			progress.phase === 'store'
				? {label: 'publishing', done: progress.done, total: progress.total, unit: 'bytes'}
				: {
						label: progress.phase === 'offer' ? 'offering' : 'announcing',
						done: progress.done,
						total: progress.total,
						unit: 'items',
					},
		);
	};

	let transient = false;
	let result: NodePublishResult;
	try {
		result =
			(await viaControl<NodePublishResult>(flags, 'publish', {path, ...replication}, onProgress)) ??
			(await withTransientNode(flags, async (node) => {
				transient = true;
				return node.publish(path, onProgress, replicationParams(replication ?? {}));
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
	if (result.replicas) process.stderr.write(replicaLines(result.replicas));
	if (transient)
		process.stderr.write(
			'no node is running with this data directory: the content is stored there and is ' +
				'served while `tornet start` runs\n',
		);
	return EXIT_OK;
}
