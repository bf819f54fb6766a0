import {
	decodeEmpty,
	decodeFindChunkReply,
	decodeFindChunkRequest,
	decodeFindNodeReply,
	decodeFindNodeRequest,
	decodeStoreReferenceRequest,
	encodeFindChunkReply,
	type FindChunkReplyMessage,
	encodeFindChunkRequest,
	encodeFindNodeReply,
	encodeFindNodeRequest,
	encodeStoreReferenceRequest,
	type WireContact,
} from '../../../source/dht/messages.js';
import {nodeIdFromPublicKey} from '../../../source/identity/id.js';
import {
	decodeMessage,
	encodeMessage,
	isValidMethod,
	type RpcMessage,
} from '../../../source/rpc/messages.js';
import {decodeHostPort, encodeHostPort} from '../../../source/rpc/observed-address.js';
import {Reader} from '../../../source/util/varint.js';
import type {Random} from '../random.js';
import {check, codecTarget, type TargetSpec} from '../target.js';

const METHODS = [
	'ping',
	'dht.node',
	'dht.chunk',
	'dht.ref',
	'chunk.get',
	'market.balance',
	'market.settle',
];

export const rpcMessageTarget: TargetSpec = codecTarget<RpcMessage>({
	name: 'rpc-message',
	about:
		'rpc/messages decodeMessage: request/response/error/notice, method and error-code grammar, round trip',
	seeds(random) {
		const seeds: Uint8Array[] = [];
		for (let i = 0; i < 40; i++) {
			const id = random.chance(0.5) ? random.int(100) : random.int(2 ** 31);
			const body = random.bytes(random.smallLength(200));
			const method = random.pick(METHODS);
			const message: RpcMessage = random.pick<RpcMessage>([
				{type: 'request', id, method, body},
				{type: 'response', id, body},
				{type: 'notice', method, body},
				{
					type: 'error',
					id,
					code: random.pick(['NOT_FOUND', 'TOO_MANY_REQUESTS', 'BAD_MESSAGE']),
					message: random.chance(0.5) ? 'no such chunk' : 'ü'.repeat(random.int(300)),
				},
			]);
			seeds.push(encodeMessage(message));
		}

		return seeds;
	},
	decode: decodeMessage,
	encode: encodeMessage,
	// Error texts are UTF-8 cut at 512 bytes: one normalization, then stable.
	lossless: false,
	check(message) {
		if (message.type === 'request' || message.type === 'notice')
			check(isValidMethod(message.method), `method ${message.method}`);
	},
	dictionary: ['\u0001', '\u0002', '\u0003', '\u0004', 'dht.', 'A_', '\u0020'],
	maxBytes: 1300,
});

export const hostPortTarget: TargetSpec = codecTarget({
	name: 'observed-address',
	about: 'rpc/observed-address decodeHostPort (the address a ping reports): IPv4/IPv6, round trip',
	seeds(random) {
		const hosts = [
			'127.0.0.1',
			'10.0.0.255',
			'::1',
			'2001:db8::8a2e:370:7334',
			'fe80::1:0:0:0',
			'::',
			'1:0:0:1:0:0:0:1',
		];
		return hosts.map((host) => encodeHostPort({host, port: random.between(1, 65_535)}));
	},
	decode(input) {
		const reader = new Reader(input);
		const value = decodeHostPort(reader);
		return value && reader.done ? value : undefined;
	},
	encode: encodeHostPort,
	maxBytes: 64,
});

function contacts(random: Random, count: number): WireContact[] {
	return Array.from({length: count}, () => ({
		publicKey: random.bytes(32),
		rank: random.int(30),
		host: random.chance(0.7)
			? `10.${random.int(256)}.${random.int(256)}.${random.int(256)}`
			: `2001:db8::${random.int(0xffff).toString(16)}`,
		port: random.between(1, 65_535),
	}));
}

/** Contacts as decoded: the node id is derived from the key, never taken from the wire. */
function checkContacts(list: Array<{id: Buffer; publicKey: Buffer; port: number}>): void {
	for (const contact of list) {
		check(
			contact.id.equals(nodeIdFromPublicKey(contact.publicKey)),
			'contact id not derived from its key',
		);
		check(contact.port >= 1 && contact.port <= 65_535, `contact port ${contact.port}`);
	}
}

export const dhtTargets: TargetSpec[] = [
	codecTarget({
		name: 'dht-find-node-request',
		about:
			'dht/messages decodeFindNodeRequest (+ decodeStoreReferenceRequest, decodeEmpty on the same bytes)',
		seeds: (random) =>
			Array.from({length: 8}, () => encodeFindNodeRequest(random.bytes(20), random.between(1, 20))),
		decode(input) {
			decodeStoreReferenceRequest(input);
			decodeEmpty(input);
			return decodeFindNodeRequest(input);
		},
		encode: (value) => encodeFindNodeRequest(value.target, value.want),
		maxBytes: 64,
	}),
	codecTarget({
		name: 'dht-find-chunk-request',
		about: 'dht/messages decodeFindChunkRequest',
		seeds: (random) => [
			...Array.from({length: 8}, () => encodeFindChunkRequest(random.bytes(20), random.int(21))),
			encodeStoreReferenceRequest(random.bytes(20)),
		],
		decode: decodeFindChunkRequest,
		encode: (value) => encodeFindChunkRequest(value.chunkId, value.want),
		maxBytes: 64,
	}),
	codecTarget({
		name: 'dht-find-node-reply',
		about:
			'dht/messages decodeFindNodeReply: contact count bound, families, port 0, derived ids, round trip',
		seeds: (random) =>
			Array.from({length: 12}, () => encodeFindNodeReply(contacts(random, random.int(21)))),
		decode: decodeFindNodeReply,
		encode: (value) => encodeFindNodeReply(value.contacts),
		check: (value) => checkContacts(value.contacts),
		dictionary: ['\u0004', '\u0006', '\u0014', '\u0015'],
		maxBytes: 1300,
	}),
	codecTarget<FindChunkReplyMessage>({
		name: 'dht-find-chunk-reply',
		about:
			'dht/messages decodeFindChunkReply: flags, rate varint, holders and contacts, round trip',
		seeds: (random) =>
			Array.from({length: 12}, () =>
				encodeFindChunkReply({
					held: random.chance(0.3),
					rate: random.int(10_000),
					holders: contacts(random, random.int(5)),
					contacts: contacts(random, random.int(21)),
				}),
			),
		decode: decodeFindChunkReply,
		encode: encodeFindChunkReply,
		check(value) {
			checkContacts(value.holders);
			checkContacts(value.contacts);
			check(value.holders.length <= 4 && value.contacts.length <= 20, 'contact bounds');
		},
		dictionary: ['\u0004', '\u0006', '\u0014', '\u0015'],
		maxBytes: 1300,
	}),
];
