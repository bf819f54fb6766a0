import {formatCredits} from '../market/amount.js';
import {isRailName, type RailName} from '../market/credit-line.js';
import type {SettleReply} from '../market/ledger-view.js';
import {callNode} from '../node/control-client.js';
import {EXIT_OK, UsageError} from './exit.js';
import {dataDirectory} from './options.js';

/** Rails a person may ask for (the allowance is asked too, first, when no rail is named). */
const RAILS = 'cheque, bitcoin or allowance';

/**
 * `tornet settle <peer> [--rail cheque|bitcoin|allowance]`: pay what we owe a peer, through the
 * running node. The peer is its id in hex or a prefix that names one peer of the ledger.
 */
export async function settleCommand(
	peer: string | undefined,
	flags: {data?: string; rail?: string; json: boolean},
): Promise<number> {
	if (peer === undefined) throw new UsageError('settle needs a peer id (see `tornet ledger`)');
	if (!/^[\da-f]{1,40}$/i.test(peer))
		throw new UsageError(
			`a peer is named by its id in hex (or a prefix), not ${JSON.stringify(peer)}`,
		);
	let rail: RailName | undefined;
	if (flags.rail !== undefined) {
		if (!isRailName(flags.rail))
			throw new UsageError(`--rail must be ${RAILS}, not ${JSON.stringify(flags.rail)}`);
		rail = flags.rail;
	}

	const reply = await callNode<SettleReply>(dataDirectory(flags.data), 'settle', {
		peer,
		...(rail ? {rail} : {}),
	});
	if (flags.json) {
		process.stdout.write(JSON.stringify(reply) + '\n');
		return EXIT_OK;
	}

	process.stdout.write(formatSettlement(reply) + '\n');
	return EXIT_OK;
}

export function formatSettlement(reply: SettleReply): string {
	const peer = reply.peer.slice(0, 12);
	const balance = BigInt(reply.balance);
	if (reply.rail === null) {
		return balance > 0n
			? `we owe ${peer} nothing (it owes us ${formatCredits(balance)} credits)`
			: `we owe ${peer} nothing`;
	}

	const lines = [
		`settled ${formatCredits(BigInt(reply.amount))} credits with ${peer} by ${reply.rail}; balance now ${formatCredits(balance)}`,
	];
	if (reply.pending) lines.push(`to finish, pay: ${reply.pending}`);
	return lines.join('\n');
}
