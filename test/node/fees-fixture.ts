import type {ExecutionContext} from 'ava';
import type {TornetNode} from '../../source/node/node.js';

/** Tiny figures so a few hundred fees fill a line: 1 credit per byte-bit, fees of 100. */
export const FEE_MARKET = {
	lineBytesPerRank: 1000,
	lineBits: 1,
	lookupFee: 100n,
	requestFee: 100n,
	allowancePerSecond: 0n,
} as const;

/** Poll an async condition until it holds; false after `limitMs` (the caller asserts). */
export async function eventually(condition: () => Promise<boolean>, limitMs = 10_000) {
	const started = Date.now();
	for (;;) {
		if (await condition()) return true;
		if (Date.now() - started > limitMs) return false;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/**
 * Every pair's ledgers mirror: balance[A][B] + balance[B][A] = 0, sent[A][B] = received[B][A].
 * Fee segments are written by the responder and then by the asker on its notice, so this waits
 * (after flushing every node) until the notices on their way were recorded.
 */
export async function ledgersMirror(nodes: TornetNode[]): Promise<boolean> {
	await Promise.all(nodes.map(async (node) => node.market.flushFees()));
	return eventually(async () => {
		for (const a of nodes) {
			for (const b of nodes) {
				if (a === b) continue;
				const ab = await a.market.market.account(b.identity.id);
				const ba = await b.market.market.account(a.identity.id);
				if (ab.balance + ba.balance !== 0n || ab.sent !== ba.received) return false;
			}
		}

		return true;
	});
}

/** The fee events (reason lookup or request) `node` holds with `peer`, as `id:kind:amount`. */
export async function feeEvents(node: TornetNode, peer: TornetNode): Promise<string[]> {
	const events = await node.market.market.events(peer.identity.id, 4096);
	return events
		.filter((event) => event.reason === 'lookup' || event.reason === 'request')
		.map((event) => `${event.id}:${event.kind}:${event.amount}`)
		.sort();
}

export function logFees(t: ExecutionContext, node: TornetNode, name: string): void {
	const {charged, owed} = node.market;
	t.log(`${name}: charged ${JSON.stringify(charged.stats)}, owed ${JSON.stringify(owed.stats)}`);
}
