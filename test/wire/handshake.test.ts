import {randomBytes} from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import {isTornetError, TornetError} from '../../source/errors.js';
import type {Identity} from '../../source/identity/keys.js';
import {MAC_BYTES} from '../../source/wire/cookie.js';
import {
	decodeInitiationPayload,
	decodeResponsePayload,
	encodeInitiationPayload,
	encodeResponsePayload,
} from '../../source/wire/handshake-payload.js';
import {
	createInitiation,
	createResponse,
	hasValidMac1,
	MAX_HANDSHAKE_BYTES,
	MIN_INITIATION_BYTES,
	MIN_RESPONSE_BYTES,
	readInitiation,
	readResponse,
	responderKeys,
} from '../../source/wire/handshake.js';
import {CID_BYTES, HEADER_BYTES, HEADER_KEY_BYTES} from '../../source/wire/header-protection.js';
import {PACKET_OVERHEAD, Session, unmaskHeader} from '../../source/wire/session.js';
import {identityWithRank} from '../helpers/identities.js';

const server = identityWithRank(3);
const client = identityWithRank(1);
const serverKeys = responderKeys(server.publicKey);
let clock = Date.now();

function initiate(from: Identity = client, to: Identity = server) {
	const localCid = randomBytes(CID_BYTES);
	const localHeaderKey = randomBytes(HEADER_KEY_BYTES);
	const created = createInitiation({
		identity: from,
		remotePublicKey: to.publicKey,
		localCid,
		localHeaderKey,
		timestamp: clock++,
	});
	if (created instanceof TornetError) throw created;
	return {...created, localCid, localHeaderKey};
}

function accept(packet: Buffer) {
	const accepted = readInitiation(packet, server, serverKeys);
	if (accepted instanceof TornetError) throw accepted;
	return accepted;
}

function respond(packet: Buffer, refuseBelowRank?: number) {
	const localCid = randomBytes(CID_BYTES);
	const localHeaderKey = randomBytes(HEADER_KEY_BYTES);
	const response = createResponse(accept(packet), {
		identity: server,
		localCid,
		localHeaderKey,
		refuseBelowRank,
	});
	return {...response, localCid, localHeaderKey};
}

const scratch = Buffer.alloc(MAC_BYTES);

test('initiation and response complete a handshake whose keys carry data both ways', (t) => {
	const initiation = initiate();
	t.true(hasValidMac1(initiation.packet, serverKeys, scratch));
	const accepted = accept(initiation.packet);
	t.deepEqual(accepted.peer.publicKey, client.publicKey);
	t.deepEqual(accepted.peer.id, client.id);
	t.is(accepted.peer.rank, client.rank);
	t.deepEqual(accepted.payload.cid, initiation.localCid);
	t.deepEqual(accepted.payload.headerKey, initiation.localHeaderKey);

	const serverCid = randomBytes(CID_BYTES);
	const serverHeaderKey = randomBytes(HEADER_KEY_BYTES);
	const response = createResponse(accepted, {
		identity: server,
		localCid: serverCid,
		localHeaderKey: serverHeaderKey,
	});
	// The client finds its connection by the cid in the masked response header.
	const header = Buffer.alloc(HEADER_BYTES);
	t.true(unmaskHeader(response.packet, initiation.localHeaderKey, header));
	t.deepEqual(header.subarray(0, CID_BYTES), initiation.localCid);

	const finished = readResponse(response.packet, initiation.pending, 0);
	if (finished instanceof TornetError) throw finished;
	t.deepEqual(finished.peer.id, server.id);
	t.is(finished.peer.rank, server.rank);
	t.deepEqual(Buffer.from(finished.keys.remoteCid), serverCid);

	const clientSession = new Session(finished.keys);
	const serverSession = new Session(response.keys);
	const roundTrip = (from: Session, to: Session, headerKey: Buffer, message: string) => {
		const out = Buffer.alloc(message.length + PACKET_OVERHEAD);
		from.seal(0, Buffer.from(message), out);
		const received = Buffer.alloc(HEADER_BYTES);
		unmaskHeader(out, headerKey, received);
		const result = to.open(out, received, Buffer.alloc(1500));
		return result.ok ? Buffer.from(result.plaintext).toString() : undefined;
	};

	t.is(roundTrip(clientSession, serverSession, serverHeaderKey, 'to server'), 'to server');
	t.is(
		roundTrip(serverSession, clientSession, initiation.localHeaderKey, 'to client'),
		'to client',
	);
});

test('an initiation is only for its responder', (t) => {
	const other = identityWithRank(0);
	const initiation = initiate(client, server);
	const otherKeys = responderKeys(other.publicKey);
	t.false(hasValidMac1(initiation.packet, otherKeys, scratch));
	const result = readInitiation(initiation.packet, other, otherKeys);
	t.true(isTornetError(result, 'HANDSHAKE_FAILED'));
});

test('every flipped bit of an initiation, except in mac2, makes it fail without a throw', (t) => {
	const {packet} = initiate();
	const checked = packet.length - MAC_BYTES; // mac2 matters only under load (cookies)
	let failures = 0;
	for (let offset = 0; offset < checked; offset++) {
		const tampered = Buffer.from(packet);
		tampered[offset] ^= 1 << (offset % 8);
		const passesMac1 = hasValidMac1(tampered, serverKeys, scratch);
		// Below mac1, the Noise message itself must fail too, even for a caller that skips mac1.
		const result =
			offset < checked - MAC_BYTES ? readInitiation(tampered, server, serverKeys) : undefined;
		if (!passesMac1 && (result === undefined || result instanceof TornetError)) failures++;
	}

	t.is(failures, checked);
	t.false(accept(packet) instanceof TornetError, 'the untampered packet still reads');
});

test('every flipped bit of a response past its header makes it fail; the state survives', (t) => {
	const initiation = initiate();
	const {packet} = respond(initiation.packet);
	let failures = 0;
	for (let offset = HEADER_BYTES; offset < packet.length; offset++) {
		const tampered = Buffer.from(packet);
		tampered[offset] ^= 0x80 >>> (offset % 8);
		const result = readResponse(tampered, initiation.pending, 0);
		if (isTornetError(result, 'HANDSHAKE_FAILED')) failures++;
	}

	t.is(failures, packet.length - HEADER_BYTES);
	// A forged response must not spoil the handshake for the genuine one.
	t.false(readResponse(packet, initiation.pending, 0) instanceof TornetError);
});

test('truncated or extended handshake packets give failure values, never throws', (t) => {
	const initiation = initiate();
	const {packet: response} = respond(initiation.packet);
	for (let length = 0; length < initiation.packet.length; length++) {
		const cut = initiation.packet.subarray(0, length);
		t.false(hasValidMac1(cut, serverKeys, scratch));
		t.true(isTornetError(readInitiation(cut, server, serverKeys), 'HANDSHAKE_FAILED'));
	}

	for (let length = 0; length < response.length; length++) {
		const cut = response.subarray(0, length);
		t.true(isTornetError(readResponse(cut, initiation.pending, 0), 'HANDSHAKE_FAILED'));
	}

	const longer = Buffer.concat([initiation.packet, randomBytes(7)]);
	t.false(hasValidMac1(longer, serverKeys, scratch));
	t.true(readInitiation(longer, server, serverKeys) instanceof TornetError);
	const longerResponse = Buffer.concat([response, randomBytes(7)]);
	t.true(readResponse(longerResponse, initiation.pending, 0) instanceof TornetError);
	t.false(readResponse(response, initiation.pending, 0) instanceof TornetError);
});

test('handshake packets have random lengths and no fixed bytes', (t) => {
	const initiations = Array.from({length: 24}, () => initiate().packet);
	const lengths = new Set(initiations.map((packet) => packet.length));
	t.true(lengths.size > 1, 'initiations are padded to different lengths');
	for (const packet of initiations) {
		t.true(packet.length >= MIN_INITIATION_BYTES && packet.length <= MAX_HANDSHAKE_BYTES);
	}

	// The masked ephemeral key: two initiations to the same responder share no prefix, and the
	// unmasked key would have its top bit clear; masked, about half of them have it set.
	for (let i = 1; i < initiations.length; i++) {
		t.false(initiations[i].subarray(0, 32).equals(initiations[0].subarray(0, 32)));
	}

	const topBitSet = initiations.filter((packet) => (packet[31] & 0x80) !== 0).length;
	t.true(topBitSet > 0, 'the X25519 key is masked (its top bit is not always clear)');

	const responses = Array.from({length: 24}, () => respond(initiate().packet).packet);
	t.true(new Set(responses.map((packet) => packet.length)).size > 1);
});

test('a response is never longer than the initiation it answers (no amplification)', (t) => {
	for (let i = 0; i < 150; i++) {
		const initiation = initiate();
		const {packet} = respond(initiation.packet, i % 5 === 0 ? 9 : undefined);
		t.true(packet.length >= MIN_RESPONSE_BYTES);
		if (packet.length > initiation.packet.length) {
			t.fail(`response of ${packet.length} bytes to an initiation of ${initiation.packet.length}`);
			return;
		}
	}

	t.pass();
});

test('a refusal names the rank required; a responder below our minimum is refused', (t) => {
	const initiation = initiate();
	const {packet} = respond(initiation.packet, 20);
	const refused = readResponse(packet, initiation.pending, 0);
	t.true(isTornetError(refused, 'RANK_TOO_LOW'));
	t.regex((refused as TornetError).message, /requires rank 20/);

	const second = initiate();
	const {packet: accepted} = respond(second.packet);
	const tooLow = readResponse(accepted, second.pending, server.rank + 1);
	t.true(isTornetError(tooLow, 'RANK_TOO_LOW'));
});

test('a response made for another initiation does not complete this one', (t) => {
	const first = initiate();
	const second = initiate();
	const {packet} = respond(second.packet);
	t.true(readResponse(packet, first.pending, 0) instanceof TornetError);
	t.false(readResponse(packet, second.pending, 0) instanceof TornetError);
});

test('property: payload decoders are total and round-trip what the encoders make', (t) => {
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 400}), (bytes) => {
			decodeInitiationPayload(bytes);
			decodeResponsePayload(bytes);
			return true;
		}),
		{numRuns: 20_000},
	);
	const initiation = {
		identityKey: randomBytes(32),
		powNonce: randomBytes(8),
		timestamp: 1_700_000_000_123,
		cid: randomBytes(CID_BYTES),
		headerKey: randomBytes(HEADER_KEY_BYTES),
		signature: randomBytes(64),
	};
	const response = {
		requiredRank: 7,
		powNonce: randomBytes(8),
		cid: randomBytes(CID_BYTES),
		headerKey: randomBytes(HEADER_KEY_BYTES),
		signature: randomBytes(64),
	};
	fc.assert(
		fc.property(fc.nat({max: 600}), (padding) => {
			const a = decodeInitiationPayload(encodeInitiationPayload(initiation, padding));
			const b = decodeResponsePayload(encodeResponsePayload(response, padding));
			return (
				JSON.stringify(a) === JSON.stringify(initiation) &&
				JSON.stringify(b) === JSON.stringify(response)
			);
		}),
	);
	// Any single changed byte of an encoded payload either decodes to something or to undefined.
	const encoded = encodeInitiationPayload(initiation, 3);
	t.is(decodeInitiationPayload(encoded.subarray(0, encoded.length - 1)), undefined);
	t.is(decodeInitiationPayload(Buffer.concat([encoded, Buffer.alloc(1)])), undefined);
	t.pass();
});

test('property: random bytes never pass as handshake packets, and never throw', (t) => {
	const initiation = initiate();
	fc.assert(
		fc.property(fc.uint8Array({maxLength: 1300}), (bytes) => {
			const packet = Buffer.from(bytes);
			return (
				!hasValidMac1(packet, serverKeys, scratch) &&
				readInitiation(packet, server, serverKeys) instanceof TornetError &&
				readResponse(packet, initiation.pending, 0) instanceof TornetError
			);
		}),
		{numRuns: 1500},
	);
	t.false(readResponse(respond(initiation.packet).packet, initiation.pending, 0) instanceof Error);
});
