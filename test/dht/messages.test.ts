import test from 'ava';
import fc from 'fast-check';
import {isTornetError, TornetError} from '../../source/errors.js';
import {nodeIdFromPublicKey} from '../../source/identity/id.js';
import {bytesToIp, ipToBytes} from '../../source/dht/ip-bytes.js';
import {
	CONTACT_BYTES_V4,
	CONTACT_BYTES_V6,
	decodeEmpty,
	decodeFindChunkReply,
	decodeFindChunkRequest,
	decodeFindNodeReply,
	decodeFindNodeRequest,
	decodeStoreReferenceRequest,
	encodeFindChunkReply,
	encodeFindChunkRequest,
	encodeFindNodeReply,
	encodeFindNodeRequest,
	encodeStoreReferenceRequest,
	FIND_CHUNK_REQUEST_BYTES,
	findChunkReplyBytes,
	findNodeReplyBytes,
	MAX_CONTACTS,
	MAX_REFERENCES,
	type WireContact,
} from '../../source/dht/messages.js';

const id = fc.uint8Array({minLength: 20, maxLength: 20}).map((bytes) => Buffer.from(bytes));
const ipv4 = fc.ipV4();
const ipv6 = fc.uint8Array({minLength: 16, maxLength: 16}).map((bytes) => bytesToIp(bytes));
const contact: fc.Arbitrary<WireContact> = fc.record({
	publicKey: fc.uint8Array({minLength: 32, maxLength: 32}).map((bytes) => Buffer.from(bytes)),
	host: fc.oneof(ipv4, ipv6),
	port: fc.integer({min: 1, max: 65_535}),
	rank: fc.integer({min: 0, max: 255}),
});

function same(
	t: {is: (a: unknown, b: unknown) => void; deepEqual: (a: unknown, b: unknown) => void},
	decoded: WireContact & {id: Buffer},
	original: WireContact,
) {
	t.deepEqual(Buffer.from(decoded.publicKey), Buffer.from(original.publicKey));
	t.deepEqual(decoded.id, nodeIdFromPublicKey(original.publicKey));
	t.deepEqual(ipToBytes(decoded.host), ipToBytes(original.host));
	t.is(decoded.port, original.port);
	t.is(decoded.rank, original.rank);
}

test('find-node and find-chunk requests round-trip', (t) => {
	fc.assert(
		fc.property(id, fc.integer({min: 1, max: MAX_CONTACTS}), (target, want) => {
			const node = decodeFindNodeRequest(encodeFindNodeRequest(target, want));
			const chunk = decodeFindChunkRequest(encodeFindChunkRequest(target, want));
			return (
				!isTornetError(node) &&
				node.target.equals(target) &&
				node.want === want &&
				!isTornetError(chunk) &&
				chunk.chunkId.equals(target) &&
				chunk.want === want
			);
		}),
	);
	const store = decodeStoreReferenceRequest(encodeStoreReferenceRequest(Buffer.alloc(20, 7)));
	t.false(isTornetError(store));
	t.true(decodeEmpty(new Uint8Array(0)) === true);
	t.true(isTornetError(decodeEmpty(new Uint8Array(1))));
});

test('find-node replies round-trip and have the length the simulator accounts', (t) => {
	fc.assert(
		fc.property(fc.array(contact, {maxLength: MAX_CONTACTS}), (contacts) => {
			const bytes = encodeFindNodeReply(contacts);
			const v4 = contacts.filter((c) => !c.host.includes(':')).length;
			t.is(bytes.length, 1 + v4 * CONTACT_BYTES_V4 + (contacts.length - v4) * CONTACT_BYTES_V6);
			if (v4 === contacts.length) t.is(bytes.length, findNodeReplyBytes(contacts.length));
			const decoded = decodeFindNodeReply(bytes);
			if (isTornetError(decoded)) return false;
			t.is(decoded.contacts.length, contacts.length);
			for (const [i, original] of contacts.entries()) same(t, decoded.contacts[i], original);
			return true;
		}),
		{numRuns: 200},
	);
});

test('find-chunk replies round-trip', (t) => {
	fc.assert(
		fc.property(
			fc.boolean(),
			fc.integer({min: 0, max: 2 ** 40}),
			fc.array(contact, {maxLength: MAX_REFERENCES}),
			fc.array(contact, {maxLength: MAX_CONTACTS}),
			(held, rate, holders, contacts) => {
				const bytes = encodeFindChunkReply({held, rate, holders, contacts});
				const allV4 = [...holders, ...contacts].every((c) => !c.host.includes(':'));
				if (allV4) t.is(bytes.length, findChunkReplyBytes(rate, holders.length, contacts.length));
				const decoded = decodeFindChunkReply(bytes);
				if (isTornetError(decoded)) return false;
				t.is(decoded.held, held);
				t.is(decoded.rate, rate);
				for (const [i, original] of holders.entries()) same(t, decoded.holders[i], original);
				for (const [i, original] of contacts.entries()) same(t, decoded.contacts[i], original);
				return (
					decoded.holders.length === holders.length && decoded.contacts.length === contacts.length
				);
			},
		),
		{numRuns: 200},
	);
});

test('decoders never throw on arbitrary bytes', (t) => {
	const decoders = [
		decodeFindNodeRequest,
		decodeFindChunkRequest,
		decodeStoreReferenceRequest,
		decodeFindNodeReply,
		decodeFindChunkReply,
		decodeEmpty,
	];
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 1500}), (bytes) => {
			for (const decode of decoders) {
				const result = decode(bytes);
				if (result instanceof Error && !(result instanceof TornetError)) return false;
			}

			return true;
		}),
		{numRuns: 2000},
	);
	t.pass();
});

test('every truncation and every extension of a valid reply is rejected', (t) => {
	fc.assert(
		fc.property(
			fc.array(contact, {minLength: 1, maxLength: 5}),
			fc.array(contact, {maxLength: 2}),
			(contacts, holders) => {
				const node = encodeFindNodeReply(contacts);
				for (let cut = 0; cut < node.length; cut++)
					if (!isTornetError(decodeFindNodeReply(node.subarray(0, cut)))) return false;
				if (!isTornetError(decodeFindNodeReply(Buffer.concat([node, Buffer.from([0])]))))
					return false;
				const chunk = encodeFindChunkReply({held: false, rate: 300, holders, contacts});
				for (let cut = 0; cut < chunk.length; cut++)
					if (!isTornetError(decodeFindChunkReply(chunk.subarray(0, cut)))) return false;
				return isTornetError(decodeFindChunkReply(Buffer.concat([chunk, Buffer.from([0])])));
			},
		),
		{numRuns: 100},
	);
	t.true(isTornetError(decodeFindNodeRequest(Buffer.alloc(FIND_CHUNK_REQUEST_BYTES - 1))));
	t.true(isTornetError(decodeFindChunkRequest(Buffer.alloc(FIND_CHUNK_REQUEST_BYTES + 1))));
});

test('bad fields are rejected: counts over the bound, address family, port 0, flags, want', (t) => {
	const one: WireContact = {publicKey: Buffer.alloc(32, 1), host: '10.0.0.1', port: 4000, rank: 12};
	const reply = encodeFindNodeReply([one]);
	const tooMany = Buffer.from(reply);
	tooMany[0] = MAX_CONTACTS + 1;
	t.is(expectError(decodeFindNodeReply(tooMany)), 'BAD_MESSAGE');
	const family = Buffer.from(reply);
	family[1 + 32 + 1] = 5;
	t.is(expectError(decodeFindNodeReply(family)), 'BAD_MESSAGE');
	const port = Buffer.from(reply);
	port.writeUInt16BE(0, reply.length - 2);
	t.is(expectError(decodeFindNodeReply(port)), 'BAD_MESSAGE');
	const chunk = encodeFindChunkReply({held: true, rate: 1, holders: [], contacts: []});
	const flags = Buffer.from(chunk);
	flags[0] = 0x82;
	t.is(expectError(decodeFindChunkReply(flags)), 'BAD_MESSAGE');
	const references = encodeFindChunkReply({held: false, rate: 0, holders: [one], contacts: []});
	const refs = Buffer.from(references);
	refs[2] = MAX_REFERENCES + 1;
	t.is(expectError(decodeFindChunkReply(refs)), 'BAD_MESSAGE');
	const want = encodeFindNodeRequest(Buffer.alloc(20), 1);
	want[20] = 0;
	t.is(expectError(decodeFindNodeRequest(want)), 'BAD_MESSAGE');
	want[20] = MAX_CONTACTS + 1;
	t.is(expectError(decodeFindNodeRequest(want)), 'BAD_MESSAGE');
	t.throws(() => encodeFindNodeReply([{...one, host: 'example.com'}]));
	t.throws(() => encodeFindNodeRequest(Buffer.alloc(19), 3));
});

test('IPv6 text forms map to the same 16 bytes and back to the canonical form', (t) => {
	t.is(bytesToIp(ipToBytes('2001:0db8:0000:0000:0000:0000:0000:0001')!), '2001:db8::1');
	t.is(bytesToIp(ipToBytes('::')!), '::');
	t.is(bytesToIp(ipToBytes('::1')!), '::1');
	t.is(bytesToIp(ipToBytes('fe80::1%eth0')!), 'fe80::1');
	t.deepEqual([...ipToBytes('::ffff:1.2.3.4')!.subarray(10)], [0xff, 0xff, 1, 2, 3, 4]);
	t.is(bytesToIp(ipToBytes('1:0:0:1:0:0:0:1')!), '1:0:0:1::1');
	t.is(ipToBytes('localhost'), undefined);
	fc.assert(
		fc.property(fc.ipV6(), (host) => {
			const bytes = ipToBytes(host);
			return (
				bytes !== undefined && Buffer.from(ipToBytes(bytesToIp(bytes))!).equals(Buffer.from(bytes))
			);
		}),
	);
});

function expectError(value: unknown): string | undefined {
	return isTornetError(value) ? value.code : undefined;
}
