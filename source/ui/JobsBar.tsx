import {memo, useMemo} from 'react';
import type {Job} from '../node/snapshot.js';
import {bar, fit, formatBytes, formatDuration, formatPercent, formatRate} from './format.js';
import type {Line} from './text-line.js';
import {Lines} from './Lines.js';

const TARGET_WIDTH = 28;
const BAR_WIDTH = 12;

/** Running publishes and fetches first, then the finished ones the node still reports. */
export function orderJobs(jobs: readonly Job[]): Job[] {
	const rank = {running: 0, failed: 1, done: 2} as const;
	return [...jobs].sort((a, b) => rank[a.state] - rank[b.state]);
}

function jobLine(job: Job): Line {
	const what = `${job.kind} ${fit(job.target, TARGET_WIDTH)}`;
	if (job.state === 'done')
		return [
			{text: '✓ ', tone: 'good'},
			{text: what},
			{text: job.link ? ` → ${job.link}` : ` → ${job.outputPath ?? ''}`, tone: 'good'},
		];
	if (job.state === 'failed')
		return [
			{text: '✗ ', tone: 'bad'},
			{text: what},
			{text: ` ${job.error ?? 'failed'}`, tone: 'bad'},
		];
	const fraction = job.totalBytes ? job.doneBytes / job.totalBytes : 0;
	const size = job.totalBytes === null ? formatBytes(job.doneBytes) : formatPercent(fraction);
	return [
		{text: '» ', tone: 'accent'},
		{text: `${what} `},
		{text: bar(fraction, BAR_WIDTH), tone: 'accent'},
		{
			text: ` ${fit(size, 5, 'right')} ${fit(formatRate(job.rateBps), 8, 'right')} ${job.sources} src eta ${formatDuration(job.etaSeconds)}`,
		},
	];
}

export const JobsBar = memo(function JobsBar({
	jobs,
	width,
	rows,
}: {
	jobs: readonly Job[];
	width: number;
	rows: number;
}) {
	const lines = useMemo(() => orderJobs(jobs).slice(0, rows).map(jobLine), [jobs, rows]);
	return <Lines lines={lines} width={width} height={rows} />;
});
