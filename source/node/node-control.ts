import {Writable} from 'node:stream';
import {TornetError} from '../errors.js';
import {fetchedBytes} from './content-fetch.js';
import type {ControlServer} from './control-server.js';
import type {TornetNode} from './node.js';
import {MAX_REPLICAS} from './replicate.js';

/**
 * What one-shot commands ask a running node over its control socket: `status`, `peers`,
 * `publish {path}` and `fetch {link, output?}` (no output: the content goes to the client's stdout
 * as data frames). Progress streams while the work runs. The market registers its own methods.
 */
export function registerNodeControl(control: ControlServer, node: TornetNode): void {
	control.handle('status', async () => node.snapshot());
	control.handle('peers', async () => node.snapshot().peers);
	control.handle('publish', async (params, progress) => {
		const {path} = params;
		if (typeof path !== 'string' || path === '')
			throw TornetError.badArgument('publish needs a path');
		return node.publish(path, progress, replicationParams(params));
	});
	control.handle('fetch', async (params, progress, data) => {
		const {link, output} = params;
		if (typeof link !== 'string') throw TornetError.badArgument('fetch needs a link');
		if (output !== undefined && typeof output !== 'string')
			throw TornetError.badArgument('output must be a path');
		const out = output ?? controlStream(data);
		return node.fetch(link, out, (report) => {
			progress({
				done: fetchedBytes(report),
				total: report.bytesTotal,
				rate: report.rate,
				sources: report.sources,
			});
		});
	});
}

/** `publish`'s optional `replicas` (a count) and `maxPrice` (decimal credits, as text). */
export function replicationParams(
	params: Record<string, unknown>,
): {replicas: number; maxPrice?: bigint} | undefined {
	const {replicas, maxPrice} = params;
	if (replicas === undefined || replicas === 0) return undefined;
	if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
		throw TornetError.badArgument('replicas must be a whole number');
	if (replicas > MAX_REPLICAS)
		throw TornetError.badArgument(`replicas may be at most ${MAX_REPLICAS}`);
	if (maxPrice === undefined) return {replicas};
	if (typeof maxPrice !== 'string' || !/^\d{1,20}$/.test(maxPrice))
		throw TornetError.badArgument('maxPrice must be a whole number of credits');
	return {replicas, maxPrice: BigInt(maxPrice)};
}

/** A Writable onto a control client's data frames (its stdout). */
function controlStream(data: (bytes: Uint8Array) => Promise<void>): Writable {
	return new Writable({
		write(chunk: Buffer, _encoding, callback) {
			data(chunk).then(
				() => {
					callback();
				},
				(error: unknown) => {
					callback(error as Error);
				},
			);
		},
	});
}
