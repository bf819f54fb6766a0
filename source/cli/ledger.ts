import {formatCredits} from '../market/amount.js';
import type {AccountJson, LedgerReply} from '../market/ledger-view.js';
import {callNode} from '../node/control-client.js';
import {EXIT_OK} from './exit.js';
import {formatDuration, table} from './format.js';
import {dataDirectory} from './options.js';

/** `tornet ledger`: our account with every peer, from the running node's control socket. */
export async function ledgerCommand(flags: {data?: string; json: boolean}): Promise<number> {
	const reply = await callNode<LedgerReply>(dataDirectory(flags.data), 'ledger');
	if (flags.json) {
		process.stdout.write(JSON.stringify(reply) + '\n');
		return EXIT_OK;
	}

	process.stdout.write(formatLedger(reply, Date.now()));
	return EXIT_OK;
}

/** The table people read; amounts in credits (byte × distance bit), exact figures in --json. */
export function formatLedger(reply: LedgerReply, now: number): string {
	const head = `node ${reply.self.id.slice(0, 12)} rank ${reply.self.rank}, line ${formatCredits(BigInt(reply.self.line))} credits per peer of our rank\n`;
	if (reply.accounts.length === 0) return head + 'no accounts yet\n';
	const rows = [['PEER', 'RANK', 'BALANCE', 'LINE', 'USE', 'SENT', 'RECEIVED', 'LAST SETTLEMENT']];
	for (const account of reply.accounts) {
		rows.push([
			account.peer.slice(0, 12),
			String(account.rank),
			balanceText(BigInt(account.balance)),
			formatCredits(BigInt(account.line)),
			useText(account),
			formatCredits(BigInt(account.sent)),
			formatCredits(BigInt(account.received)),
			settlementText(account, now),
		]);
	}

	return (
		head +
		table(rows) +
		'balance: + the peer owes us, - we owe it; use: share of the line the debtor has used\n'
	);
}

function balanceText(balance: bigint): string {
	return balance > 0n ? `+${formatCredits(balance)}` : formatCredits(balance);
}

function useText(account: AccountJson): string {
	const balance = BigInt(account.balance);
	if (balance === 0n) return '-';
	const percent = `${Math.min(account.usePermille, 99_999) / 10}%`;
	return balance > 0n ? percent : `${percent} ours`;
}

function settlementText(account: AccountJson, now: number): string {
	if (account.settlement === 'pending') return 'in flight';
	const last = account.lastSettlement;
	const failed = account.settlement === 'failed';
	if (!last) return failed ? 'auto-settle failed' : '-';
	const ago = formatDuration(Math.max(0, (now - last.time) / 1000));
	const direction = last.direction === 'in' ? 'paid us' : 'we paid';
	return `${last.rail}, ${direction} ${formatCredits(BigInt(last.amount))}, ${ago} ago${failed ? ' (auto-settle failed since)' : ''}`;
}
