import {idToHex} from '../identity/id.js';
import {TornetNode} from '../node/node.js';
import {EXIT_OK} from './exit.js';
import {type CommonFlags, nodeOptions} from './options.js';

const LOG_INTERVAL_MS = 10_000; // One status line per 10 s in a log; a terminal redraws each second.

/** `tornet start --headless`: the node with plain log lines, for services, pipes and containers. */
export async function startHeadless(flags: CommonFlags): Promise<number> {
	const node = await TornetNode.open(nodeOptions(flags, {stats: true, control: true}));
	const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
	log(`tornet node ${idToHex(node.identity.id)} rank ${node.identity.rank}`);
	log(`listening on ${node.address}`);
	if (node.gateway) log(`HTTP gateway on ${node.gateway.url}/tornet/<link>`);
	node.endpoint.on('connection', (connection) => {
		log(
			`peer ${idToHex(connection.peer.id).slice(0, 12)} rank ${connection.peer.rank} connected from ${connection.host}:${connection.port}`,
		);
	});

	const tty = Boolean(process.stdout.isTTY);
	const status = () => {
		const {stats} = node.endpoint;
		const line =
			`${node.endpoint.connectionCount} connections, ${node.dht.stats().contacts} contacts, ` +
			`${stats.handshakesAccepted} handshakes, ` +
			`${stats.packetsIn} packets in, ${stats.junkPackets} junk, ${node.rpc.stats.requestsServed} requests served`;
		if (tty) process.stdout.write(`\r\u001B[2K${line}`);
		else log(line);
	};

	const timer = setInterval(status, tty ? 1000 : LOG_INTERVAL_MS);
	await new Promise<void>((resolve) => {
		const stop = () => {
			resolve();
		};

		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	});
	clearInterval(timer);
	if (tty) process.stdout.write('\n');
	log('stopping');
	await node.close();
	return EXIT_OK;
}
