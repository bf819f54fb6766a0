import {resolve} from 'node:path';
import type {NodeController} from './controller.js';
import type {TornetNode} from './node.js';

/**
 * The NodeController the console drives, over a node in this process. Settings take effect and
 * persist at once; publishes and fetches run in the node and show in the snapshot's jobs;
 * settlement goes through the node's market.
 */
export function nodeController(node: TornetNode): NodeController {
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
		async publish(path) {
			const result = await node.publish(resolve(path));
			return {link: result.link, bytes: result.bytes};
		},
		async fetch(link, outputPath) {
			const out = resolve(outputPath ?? '.');
			const result = await node.fetch(link, out);
			return {path: result.path, bytes: result.bytes};
		},
		async settle(peerIdHex, rail) {
			const reply = await node.market.settle({peer: peerIdHex, ...(rail ? {rail} : {})});
			return {amount: Number(reply.amount), rail: reply.rail ?? rail ?? 'allowance'};
		},
	};
}
