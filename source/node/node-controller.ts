import {TornetError} from '../errors.js';
import type {NodeController} from './controller.js';
import type {TornetNode} from './node.js';

/**
 * The NodeController the console drives, over a node in this process. Settings take effect and
 * persist at once. Publishing, fetching and settlement answer with a clear error until the chunk
 * store and market are part of the node (see the open issues), rather than pretending.
 */
export function nodeController(node: TornetNode): NodeController {
	const unavailable = (what: string) => async () => {
		throw TornetError.notRunning(`${what} is not part of this node yet`);
	};

	return {
		getSnapshot: () => node.snapshot(),
		subscribe(listener) {
			node.on('snapshot', listener);
			return () => {
				node.off('snapshot', listener);
			};
		},
		async setRange(bits) {
			await node.updateSettings({rangeBits: bits});
		},
		async setMinPopularity(value) {
			await node.updateSettings({minPopularity: value});
		},
		publish: unavailable('publishing'),
		fetch: unavailable('fetching'),
		settle: unavailable('settlement'),
	};
}
