import {readFileSync} from 'node:fs';
import test from 'ava';
import {
	dhKeyPairFromSecret,
	generateDhKeyPair,
	HandshakeState,
	type DhKeyPair,
	type NoiseHash,
	type NoisePattern,
} from '../../source/wire/noise.js';

type Vector = {
	protocol_name: string;
	init_prologue: string;
	init_static?: string;
	init_ephemeral: string;
	init_remote_static?: string;
	resp_prologue: string;
	resp_static?: string;
	resp_ephemeral: string;
	handshake_hash: string;
	messages: Array<{payload: string; ciphertext: string}>;
};

// The shared folder sits beside the repository, here and in CI.
const vectorFile = new URL('../../../shared/vectors/noise.json', import.meta.url);
const {vectors} = JSON.parse(readFileSync(vectorFile, 'utf8')) as {vectors: Vector[]};

const hex = (text: string) => Buffer.from(text, 'hex');
const keyPair = (secret: string | undefined) =>
	secret === undefined ? undefined : dhKeyPairFromSecret(hex(secret));

test('the vector file holds NN, XX and IK with both hashes', (t) => {
	t.is(vectors.length, 5);
});

for (const vector of vectors) {
	test(`${vector.protocol_name} reproduces the cacophony vector byte for byte`, (t) => {
		const match = /^Noise_(NN|XX|IK)_25519_ChaChaPoly_(SHA256|BLAKE2b)$/.exec(vector.protocol_name);
		if (!match) throw new Error(`unexpected protocol ${vector.protocol_name}`);
		const pattern = match[1] as NoisePattern;
		const hash = match[2] as NoiseHash;
		const initiator = HandshakeState.create({
			pattern,
			initiator: true,
			hash,
			prologue: hex(vector.init_prologue),
			s: keyPair(vector.init_static),
			e: keyPair(vector.init_ephemeral),
			rs: vector.init_remote_static === undefined ? undefined : hex(vector.init_remote_static),
		});
		const responder = HandshakeState.create({
			pattern,
			initiator: false,
			hash,
			prologue: hex(vector.resp_prologue),
			s: keyPair(vector.resp_static),
			e: keyPair(vector.resp_ephemeral),
		});

		let transport:
			| {
					initiatorSend: Cipher;
					initiatorReceive: Cipher;
					responderSend: Cipher;
					responderReceive: Cipher;
			  }
			| undefined;
		for (const [index, {payload, ciphertext}] of vector.messages.entries()) {
			// Transport messages keep alternating direction where the handshake left off.
			const fromInitiator = index % 2 === 0;
			if (transport === undefined) {
				const [sender, receiver] = fromInitiator ? [initiator, responder] : [responder, initiator];
				const message = sender.writeMessage(hex(payload));
				t.is(message.toString('hex'), ciphertext, `handshake message ${index}`);
				t.is(receiver.readMessage(message)?.toString('hex'), payload, `handshake message ${index}`);
				if (initiator.complete && responder.complete) {
					t.is(initiator.handshakeHash.toString('hex'), vector.handshake_hash);
					t.is(responder.handshakeHash.toString('hex'), vector.handshake_hash);
					const a = initiator.split();
					const b = responder.split();
					transport = {
						initiatorSend: a.initiatorToResponder,
						initiatorReceive: a.responderToInitiator,
						responderSend: b.responderToInitiator,
						responderReceive: b.initiatorToResponder,
					};
				}

				continue;
			}

			const send = fromInitiator ? transport.initiatorSend : transport.responderSend;
			const receive = fromInitiator ? transport.responderReceive : transport.initiatorReceive;
			const message = send.encryptWithAd(Buffer.alloc(0), hex(payload));
			t.is(message.toString('hex'), ciphertext, `transport message ${index}`);
			t.is(receive.decryptWithAd(Buffer.alloc(0), message)?.toString('hex'), payload);
		}

		t.truthy(transport, 'the handshake completed');
	});
}

type Cipher = ReturnType<HandshakeState['split']>['initiatorToResponder'];

function ikPair(hash: NoiseHash = 'SHA256', responderKeyForInitiator?: Buffer) {
	const initiatorStatic = generateDhKeyPair();
	const responderStatic = generateDhKeyPair();
	const prologue = Buffer.from('tornet test');
	const initiator = HandshakeState.create({
		pattern: 'IK',
		initiator: true,
		hash,
		prologue,
		s: initiatorStatic,
		rs: responderKeyForInitiator ?? responderStatic.publicKey,
	});
	const responder = HandshakeState.create({
		pattern: 'IK',
		initiator: false,
		hash,
		prologue,
		s: responderStatic,
	});
	return {initiator, responder, initiatorStatic, responderStatic};
}

test('IK with fresh keys: both sides agree and the responder learns the initiator', (t) => {
	for (const hash of ['SHA256', 'BLAKE2b'] as const) {
		const {initiator, responder, initiatorStatic} = ikPair(hash);
		t.is(responder.readMessage(initiator.writeMessage(Buffer.from('hello')))?.toString(), 'hello');
		t.deepEqual(responder.remoteStaticKey, initiatorStatic.publicKey);
		t.deepEqual(responder.remoteEphemeralKey, initiator.localEphemeralKey);
		t.is(
			initiator.readMessage(responder.writeMessage(Buffer.from('welcome')))?.toString(),
			'welcome',
		);
		t.true(initiator.complete && responder.complete);
		t.deepEqual(initiator.handshakeHash, responder.handshakeHash);
		const a = initiator.split();
		const b = responder.split();
		t.deepEqual(a.initiatorToResponder.key, b.initiatorToResponder.key);
		t.deepEqual(a.responderToInitiator.key, b.responderToInitiator.key);
		t.notDeepEqual(a.initiatorToResponder.key, a.responderToInitiator.key);
	}
});

test('a tampered handshake message is refused, and the genuine one still accepted after', (t) => {
	const {initiator, responder} = ikPair();
	const first = initiator.writeMessage(Buffer.from('payload'));
	for (const position of [0, 40, first.length - 1]) {
		const tampered = Buffer.from(first);
		tampered[position] ^= 1;
		t.is(responder.readMessage(tampered), undefined, `byte ${position} flipped`);
	}

	t.is(responder.readMessage(first)?.toString(), 'payload');
	const second = responder.writeMessage(Buffer.alloc(0));
	const tampered = Buffer.from(second);
	tampered[second.length - 1] ^= 0x80;
	t.is(initiator.readMessage(tampered), undefined);
	t.deepEqual(initiator.readMessage(second), Buffer.alloc(0));
	t.true(initiator.complete);
});

test('IK toward the wrong responder key fails at the responder', (t) => {
	const {initiator, responder} = ikPair('SHA256', generateDhKeyPair().publicKey);
	t.is(responder.readMessage(initiator.writeMessage(Buffer.from('hi'))), undefined);
	t.false(responder.complete);
});

test('every truncation, a low-order ephemeral key and an out-of-turn read give undefined', (t) => {
	const {initiator, responder} = ikPair();
	const first = initiator.writeMessage(Buffer.from('x'));
	for (let length = 0; length < first.length; length++) {
		t.is(responder.readMessage(first.subarray(0, length)), undefined, `length ${length}`);
	}

	const lowOrder = Buffer.from(first);
	lowOrder.fill(0, 0, 32); // The all-zero point: X25519 with it yields zero, which sodium refuses.
	t.is(responder.readMessage(lowOrder), undefined);
	t.is(initiator.readMessage(first), undefined, 'the initiator is not the one to read now');
	t.is(responder.readMessage(first)?.toString(), 'x');
});

test('transport ciphers refuse tampering and replays without losing their place', (t) => {
	const {initiator, responder} = ikPair('BLAKE2b');
	responder.readMessage(initiator.writeMessage(Buffer.alloc(0)));
	initiator.readMessage(responder.writeMessage(Buffer.alloc(0)));
	const send = initiator.split().initiatorToResponder;
	const receive = responder.split().initiatorToResponder;
	const ad = Buffer.from('header');
	const sealed = send.encryptWithAd(ad, Buffer.from('one'));
	const tampered = Buffer.from(sealed);
	tampered[0] ^= 1;
	t.is(receive.decryptWithAd(ad, tampered), undefined);
	t.is(receive.decryptWithAd(Buffer.from('other'), sealed), undefined);
	t.is(receive.decryptWithAd(ad, sealed)?.toString(), 'one');
	t.is(receive.decryptWithAd(ad, sealed), undefined, 'the nonce moved on');
	t.is(receive.decryptWithAd(ad, send.encryptWithAd(ad, Buffer.from('two')))?.toString(), 'two');
	send.rekey();
	receive.rekey();
	t.notDeepEqual(send.key, initiator.split().initiatorToResponder.key);
	t.is(
		receive.decryptWithAd(ad, send.encryptWithAd(ad, Buffer.from('three')))?.toString(),
		'three',
	);
});

test('misuse by the caller throws; it is not network input', (t) => {
	const {initiator} = ikPair();
	t.throws(() =>
		HandshakeState.create({
			pattern: 'IK',
			initiator: true,
			hash: 'SHA256',
			prologue: Buffer.alloc(0),
			s: generateDhKeyPair(),
		}),
	);
	t.throws(() => initiator.split());
	initiator.writeMessage(Buffer.alloc(0));
	t.throws(() => initiator.writeMessage(Buffer.alloc(0)));
	const bad: DhKeyPair = {publicKey: Buffer.alloc(31), secretKey: Buffer.alloc(32)};
	t.throws(() =>
		HandshakeState.create({
			pattern: 'NN',
			initiator: true,
			hash: 'SHA256',
			prologue: Buffer.alloc(0),
			e: bad,
		}),
	);
});
