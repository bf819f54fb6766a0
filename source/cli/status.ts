import {callNode} from '../node/control-client.js';
import type {PeerStats, Snapshot} from '../node/snapshot.js';
import {EXIT_OK} from './exit.js';
import {formatDuration, formatRate, table} from './format.js';
import {dataDirectory} from './options.js';

/** `tornet status`: what the running node is doing, from its control socket. */
export async function statusCommand(flags: {data?: string; json: boolean}): Promise<number> {
	const snapshot = await callNode<Snapshot>(dataDirectory(flags.data), 'status');
	if (flags.json) {
		process.stdout.write(JSON.stringify(snapshot) + '\n');
		return EXIT_OK;
	}

	const {self, peers, settings, series} = snapshot;
	const connected = peers.filter(
		(peer) => peer.state === 'connected' || peer.state === 'idle',
	).length;
	const lines = [
		`node      ${self.idHex} rank ${self.rank}`,
		`address   ${self.address}`,
		`uptime    ${formatDuration(self.uptimeSeconds)}`,
		`peers     ${peers.length} (${connected} open)` +
			(snapshot.dht ? `, ${snapshot.dht.contacts} DHT contacts` : ''),
		`traffic   up ${formatRate(series.upBps.at(-1) ?? 0)}, down ${formatRate(series.downBps.at(-1) ?? 0)}`,
		`settings  range ${settings.rangeBits} bits, min popularity ${settings.minPopularity}, ` +
			`upload ${formatRate(settings.uploadBps)}, min rank ${settings.minRank}`,
	];
	process.stdout.write(lines.join('\n') + '\n');
	return EXIT_OK;
}

/** `tornet peers`: the running node's peers. */
export async function peersCommand(flags: {data?: string; json: boolean}): Promise<number> {
	const peers = await callNode<PeerStats[]>(dataDirectory(flags.data), 'peers');
	if (flags.json) {
		process.stdout.write(JSON.stringify(peers) + '\n');
		return EXIT_OK;
	}

	if (peers.length === 0) {
		process.stdout.write('no peers\n');
		return EXIT_OK;
	}

	const rows = [['ID', 'ADDRESS', 'RANK', 'RTT', 'UP', 'DOWN', 'STATE']];
	for (const peer of peers) {
		rows.push([
			peer.idHex.slice(0, 12),
			peer.address,
			String(peer.rank),
			peer.rttMs === null ? '-' : `${peer.rttMs.toFixed(1)} ms`,
			formatRate(peer.upBps),
			formatRate(peer.downBps),
			peer.state,
		]);
	}

	process.stdout.write(table(rows));
	return EXIT_OK;
}
