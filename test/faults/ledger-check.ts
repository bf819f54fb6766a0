import type {AccountJson, LedgerReply} from '../../source/market/ledger-view.js';

/** What one check of every node's ledger found. */
export type LedgerCheck = {
	/** Pairs of nodes where at least one side has an account with the other. */
	pairs: number;
	/** Equalities tested (per pair: balance, service both ways, settlements both ways, cheques). */
	equalities: number;
	/** Each broken equality, in words; empty when every pair mirrors. */
	failures: string[];
	/** Settled credits over all pairs (each settlement once), to show the loop did settle. */
	settled: bigint;
	/** Cheque credits accepted over all pairs. */
	cheques: bigint;
};

/** An account's figures before any trade (a pair missing on one side reads as these). */
export const ZERO: Pick<
	AccountJson,
	'balance' | 'sent' | 'received' | 'settledIn' | 'settledOut' | 'chequeIn' | 'chequeOut'
> = {
	balance: '0',
	sent: '0',
	received: '0',
	settledIn: '0',
	settledOut: '0',
	chequeIn: '0',
	chequeOut: '0',
};

/**
 * The check Swarm runs in its CI, over `tornet ledger --json` of every node: for every pair A, B
 * balance[A][B] + balance[B][A] = 0, received[A][B] = sent[B][A] (both ways), settledIn[A][B] =
 * settledOut[B][A] (both ways) and the cumulative cheques each side holds agree. A node without an
 * account for the other counts as all zeros. Each account must also add up on its own:
 * balance = sent − received − settledIn + settledOut.
 */
export function checkLedgers(replies: LedgerReply[]): LedgerCheck {
	const result: LedgerCheck = {pairs: 0, equalities: 0, failures: [], settled: 0n, cheques: 0n};
	const accountOf = (reply: LedgerReply, peer: string) =>
		reply.accounts.find((account) => account.peer === peer);
	for (const reply of replies) {
		for (const account of reply.accounts) {
			const sum =
				BigInt(account.sent) -
				BigInt(account.received) -
				BigInt(account.settledIn) +
				BigInt(account.settledOut);
			result.equalities++;
			if (sum !== BigInt(account.balance))
				result.failures.push(
					`${short(reply.self.id)}→${short(account.peer)}: balance ${account.balance} ≠ sent − received − settledIn + settledOut = ${sum}`,
				);
		}
	}

	for (let i = 0; i < replies.length; i++) {
		for (let j = i + 1; j < replies.length; j++) {
			const [a, b] = [replies[i], replies[j]];
			const ab = accountOf(a, b.self.id);
			const ba = accountOf(b, a.self.id);
			if (!ab && !ba) continue;
			result.pairs++;
			const x = {...ZERO, ...ab};
			const y = {...ZERO, ...ba};
			const name = `${short(a.self.id)}/${short(b.self.id)}`;
			const equal = (what: string, left: string, right: string, negate = false) => {
				result.equalities++;
				const l = BigInt(left);
				const r = negate ? -BigInt(right) : BigInt(right);
				if (l !== r) result.failures.push(`${name}: ${what}: ${left} vs ${right}`);
			};

			equal('balance[A][B] + balance[B][A] = 0', x.balance, y.balance, true);
			equal('received[A][B] = sent[B][A]', x.received, y.sent);
			equal('sent[A][B] = received[B][A]', x.sent, y.received);
			equal('settledIn[A][B] = settledOut[B][A]', x.settledIn, y.settledOut);
			equal('settledOut[A][B] = settledIn[B][A]', x.settledOut, y.settledIn);
			// Older nodes may not send cheque totals; these nodes always do.
			equal('chequeIn[A][B] = chequeOut[B][A]', x.chequeIn ?? '0', y.chequeOut ?? '0');
			equal('chequeOut[A][B] = chequeIn[B][A]', x.chequeOut ?? '0', y.chequeIn ?? '0');
			result.settled += BigInt(x.settledIn) + BigInt(x.settledOut);
			result.cheques += BigInt(x.chequeIn ?? '0') + BigInt(x.chequeOut ?? '0');
		}
	}

	return result;
}

function short(id: string): string {
	return id.slice(0, 8);
}
