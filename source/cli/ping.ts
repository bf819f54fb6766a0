import {TornetError} from '../errors.js';
import {parseAddress} from '../identity/address.js';
import {idToHex} from '../identity/id.js';
import {TornetNode} from '../node/node.js';
import {EXIT_FAILURE, EXIT_OK, UsageError} from './exit.js';
import {type CommonFlags, nodeOptions} from './options.js';

/** `tornet ping <address>`: handshake, then `count` pings; prints RTT, peer id and rank. */
export async function pingCommand(
	target: string | undefined,
	flags: CommonFlags & {json: boolean; count?: number},
): Promise<number> {
	if (!target) throw new UsageError('ping needs an address: <public key>@host:port');
	const address = parseAddress(target);
	const count = flags.count ?? 3;
	if (!Number.isInteger(count) || count < 1 || count > 1000)
		throw new UsageError('--count must be 1 to 1000');
	// A transient node on a free port, with this data dir's identity.
	const node = await TornetNode.open(nodeOptions(flags, {port: 0}));
	try {
		const rtts: number[] = [];
		let last;
		for (let i = 0; i < count; i++) {
			try {
				last = await node.ping(address);
			} catch (error) {
				if (error instanceof TornetError && error.code === 'REQUEST_TIMEOUT' && rtts.length > 0)
					continue;
				throw error;
			}

			rtts.push(last.rttMs);
			if (!flags.json) {
				process.stdout.write(
					`${i === 0 ? `handshake ${last.handshakeMs.toFixed(2)} ms, ` : ''}ping ${i + 1}: ${last.rttMs.toFixed(2)} ms\n`,
				);
			}
		}

		if (!last) return EXIT_FAILURE;
		const sorted = [...rtts].sort((a, b) => a - b);
		const summary = {
			address: target,
			peerId: idToHex(last.peer.id),
			rank: last.peer.rank,
			sent: count,
			received: rtts.length,
			rttMs: {min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1)},
			observedAddress: `${last.observed.host}:${last.observed.port}`,
		};
		if (flags.json) {
			process.stdout.write(JSON.stringify(summary) + '\n');
		} else {
			process.stdout.write(
				`peer ${summary.peerId} rank ${summary.rank}: ${summary.received}/${summary.sent} answered, ` +
					`rtt min/median/max ${summary.rttMs.min!.toFixed(2)}/${summary.rttMs.median!.toFixed(2)}/${summary.rttMs.max!.toFixed(2)} ms; ` +
					`it sees us as ${summary.observedAddress}\n`,
			);
		}

		return rtts.length === count ? EXIT_OK : EXIT_FAILURE;
	} finally {
		await node.close();
	}
}
