import dgram from 'node:dgram';
import {once} from 'node:events';
import {setTimeout as delay} from 'node:timers/promises';
import {Endpoint} from '../../../source/transport/endpoint.js';
import {identityWithRank} from '../../helpers/identities.js';
import {startRelay} from '../../helpers/relay.js';
import {check, type TargetSpec} from '../target.js';

/** The endpoint's datagram handler, private because only its socket calls it. */
type Receiver = {receive(packet: Buffer, host: string, port: number): void};

/**
 * The socket handler itself: a real endpoint with a live inbound connection gets mutated copies of
 * what a real client sent it (its initiation and its data packets, captured by the test relay), as
 * if they came from the network. Dispatch by unmasked connection id, the mac1 check, cookie
 * replies, Noise and Session.open all run; nothing may throw, and no table may grow.
 */
export const endpointTarget: TargetSpec = {
	name: 'endpoint-datagram',
	about:
		'transport/endpoint datagram handler with a live connection: mutated captured initiation and data packets',
	async create() {
		const server = new Endpoint({identity: identityWithRank(0), host: '127.0.0.1'});
		const client = new Endpoint({identity: identityWithRank(0), host: '127.0.0.1'});
		const {port} = await server.listen();
		await client.listen();
		const relay = await startRelay({host: '127.0.0.1', port}, () => undefined);
		server.on('connection', (connection) => {
			connection.on('stream', (stream) => {
				stream.on('error', () => undefined);
				stream.resume();
			});
		});
		const connection = await client.connect({
			publicKey: server.identity.publicKey,
			host: '127.0.0.1',
			port: relay.port,
		});
		const stream = connection.openStream();
		stream.on('error', () => undefined);
		stream.end(Buffer.alloc(10_000, 3));
		for (let i = 0; i < 4; i++) connection.sendDatagram(Buffer.from(`datagram ${i}`));
		await delay(200);
		// Answers to fuzz packets go to a socket that drops them.
		const sink = dgram.createSocket('udp4');
		sink.on('message', () => undefined);
		sink.bind(0, '127.0.0.1');
		await once(sink, 'listening');
		const sinkPort = sink.address().port;
		const receiver = server as unknown as Receiver;
		return {
			seeds: relay.captured.map((packet) => Buffer.from(packet)),
			maxBytes: 1500,
			run(input) {
				receiver.receive(Buffer.from(input), '127.0.0.1', sinkPort);
				const tables = server.tableSizes();
				check(
					tables.connections <= 2 && tables.unconfirmed <= 2,
					() => `tables grew: ${JSON.stringify(tables)}`,
				);
			},
			async close() {
				await client.close();
				await server.close();
				await relay.close();
				sink.close();
			},
		};
	},
};
