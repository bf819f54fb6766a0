import {randomBytes} from 'node:crypto';
import {Connection, type ConnectionHost} from '../../../source/transport/connection.js';
import {FrameType} from '../../../source/transport/frames.js';
import {HEADER_BYTES, HEADER_KEY_BYTES} from '../../../source/wire/header-protection.js';
import {PACKET_OVERHEAD, Session, unmaskHeader} from '../../../source/wire/session.js';
import {check, type FuzzCase, type TargetSpec} from '../target.js';
import {framePlaintexts} from './frame-seeds.js';

/** Inputs per connection before a fresh one, so state (streams, windows) neither grows nor freezes. */
const INPUTS_PER_CONNECTION = 400;
const PEER = {publicKey: Buffer.alloc(32, 7), id: Buffer.alloc(20, 7), rank: 0};

/**
 * Frames behind the AEAD: each input is a packet plaintext that a peer holding the session keys
 * seals, and a real Connection receives it (Session.open, FrameReader, StreamTable, PacketSender,
 * loss detection, flow control). Mutating sealed packets never gets past the tag; this target is
 * the hostile peer that completed a handshake. The property: receivePacket never throws, and a
 * bad frame closes the connection instead.
 */
export const connectionTarget: TargetSpec = {
	name: 'connection-frames',
	// Most mutated frames are protocol violations that close the connection, and each new one
	// costs ~1 ms (reliability machinery, keys, its first packets): fewer, dearer inputs.
	weight: 0.3,
	about:
		'sealed packets with mutated frames into a real open Connection (Session.open → FrameReader → streams, ACKs, flow control)',
	create(random): FuzzCase {
		const header = new Uint8Array(HEADER_BYTES);
		const outgoing = Buffer.alloc(65_536);
		const host: ConnectionHost = {
			packetBuffer: (length) => outgoing.subarray(0, length),
			sendPacket() {},
			release() {},
			confirmed() {},
			now: () => performance.now(),
		};

		let current = open();
		let inputs = 0;

		function open() {
			const localCid = randomBytes(8);
			const localHeaderKey = randomBytes(HEADER_KEY_BYTES);
			const toUs = randomBytes(32);
			const toPeer = randomBytes(32);
			const connection = new Connection({
				host,
				peer: PEER,
				address: {host: '127.0.0.1', port: 9},
				localCid,
				initiator: true,
			});
			connection.on('stream', (stream) => {
				stream.on('error', () => undefined);
				stream.resume();
				// Answer on some streams, so the peer's STOP_SENDING and ACKs have sent data to touch.
				if (stream.id % 8 === 1) stream.end(Buffer.alloc(3000, 1));
			});
			connection.establish(
				new Session({
					sendSecret: toPeer,
					receiveSecret: toUs,
					remoteCid: randomBytes(8),
					remoteHeaderKey: randomBytes(32),
				}),
				PEER,
			);
			// Data of our own in flight, so ACK, MAX_STREAM_DATA and STOP_SENDING frames act on something.
			const stream = connection.openStream();
			stream.on('error', () => undefined);
			stream.write(Buffer.alloc(6000, 2));
			const peer = new Session({
				sendSecret: toUs,
				receiveSecret: toPeer,
				remoteCid: localCid,
				remoteHeaderKey: localHeaderKey,
			});
			return {connection, peer, localHeaderKey, packetNumber: 0};
		}

		return {
			seeds: framePlaintexts(random, 1),
			dictionary: Object.values(FrameType).map((type) => Buffer.from([type])),
			maxBytes: 1400,
			run(input) {
				if (current.connection.state !== 'open' || ++inputs % INPUTS_PER_CONNECTION === 0) {
					current.connection.terminate();
					current = open();
				}

				// A fresh buffer per packet, as node:dgram gives: the connection keeps views of it.
				const packet = Buffer.allocUnsafe(input.length + PACKET_OVERHEAD);
				current.peer.seal(current.packetNumber++, input, packet);
				check(unmaskHeader(packet, current.localHeaderKey, header), 'header did not unmask');
				current.connection.receivePacket(packet, header, '127.0.0.1', 9);
				check(current.connection.stats.rejectedPackets === 0, 'a sealed packet was rejected');
			},
			close() {
				current.connection.terminate();
			},
		};
	},
};
