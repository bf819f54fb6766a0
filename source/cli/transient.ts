import {isTornetError} from '../errors.js';
import {TornetNode} from '../node/node.js';
import {callNode} from '../node/control-client.js';
import {type CommonFlags, dataDirectory, nodeOptions} from './options.js';

/**
 * One-shot commands talk to the node running with the data directory; without one, they start a
 * transient node in this process (on a free port, joining through --bootstrap), do the work, and
 * stop it. `viaControl` returns undefined when no node is running.
 */
export async function viaControl<T>(
	flags: CommonFlags,
	method: string,
	params: Record<string, unknown>,
	onProgress?: (progress: unknown) => void,
	onData?: (bytes: Buffer) => Promise<void>,
): Promise<T | undefined> {
	try {
		return await callNode<T>(dataDirectory(flags.data), method, params, onProgress, onData);
	} catch (error) {
		if (isTornetError(error) && error.code === 'NOT_RUNNING') return undefined;
		throw error;
	}
}

export async function withTransientNode<T>(
	flags: CommonFlags,
	work: (node: TornetNode) => Promise<T>,
): Promise<T> {
	// Port 0: a transient node must not take the port a `tornet start` would use.
	const node = await TornetNode.open(
		nodeOptions({...flags, port: 0, gateway: undefined}, {control: true}),
	);
	try {
		await node.dht.start();
		return await work(node);
	} finally {
		await node.close();
	}
}
