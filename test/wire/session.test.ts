import {randomBytes} from 'node:crypto';
import test from 'ava';
import {CID_BYTES, HEADER_BYTES, HEADER_KEY_BYTES} from '../../source/wire/header-protection.js';
import {EPOCH_PACKETS, PacketKeys} from '../../source/wire/packet-keys.js';
import {REPLAY_WINDOW} from '../../source/wire/replay-window.js';
import {
	PACKET_OVERHEAD,
	readU32,
	Session,
	unmaskHeader,
	type OpenResult,
} from '../../source/wire/session.js';

/** Two ends of one session, as the handshake would give them, without the handshake. */
function sessionPair() {
	const aToB = randomBytes(32);
	const bToA = randomBytes(32);
	const a = {cid: randomBytes(CID_BYTES), headerKey: randomBytes(HEADER_KEY_BYTES)};
	const b = {cid: randomBytes(CID_BYTES), headerKey: randomBytes(HEADER_KEY_BYTES)};
	const alice = new Session({
		sendSecret: aToB,
		receiveSecret: bToA,
		remoteCid: b.cid,
		remoteHeaderKey: b.headerKey,
	});
	const bob = new Session({
		sendSecret: bToA,
		receiveSecret: aToB,
		remoteCid: a.cid,
		remoteHeaderKey: a.headerKey,
	});
	return {alice, bob, a, b, aToB, bToA};
}

function seal(session: Session, packetNumber: number, text: string): Buffer {
	const plaintext = Buffer.from(text);
	const out = Buffer.alloc(plaintext.length + PACKET_OVERHEAD);
	const length = session.seal(packetNumber, plaintext, out);
	return out.subarray(0, length);
}

/** What the endpoint does: unmask the header with our header key, then open. */
function open(session: Session, headerKey: Buffer, packet: Buffer): OpenResult {
	const header = Buffer.alloc(HEADER_BYTES);
	if (!unmaskHeader(packet, headerKey, header)) return {ok: false, reason: 'decrypt'};
	return session.open(packet, header, Buffer.alloc(65_536));
}

function text(result: OpenResult): string | undefined {
	return result.ok ? Buffer.from(result.plaintext).toString() : undefined;
}

test('a sealed packet opens on the other side; its header is masked and names the cid', (t) => {
	const {alice, bob, b} = sessionPair();
	const packet = seal(alice, 7, 'hello');
	t.is(packet.length, 5 + PACKET_OVERHEAD);
	t.false(packet.subarray(0, CID_BYTES).equals(b.cid), 'the cid is not on the wire in the clear');
	const header = Buffer.alloc(HEADER_BYTES);
	t.true(unmaskHeader(packet, b.headerKey, header));
	t.deepEqual(header.subarray(0, CID_BYTES), b.cid);
	t.is(readU32(header, CID_BYTES), 7);
	t.is(text(open(bob, b.headerKey, packet)), 'hello');
});

test('packets cross a key epoch boundary in order and out of order', (t) => {
	const {alice, bob, b} = sessionPair();
	const numbers = [EPOCH_PACKETS - 3, EPOCH_PACKETS - 2, EPOCH_PACKETS, EPOCH_PACKETS + 1];
	const packets = numbers.map((n) => seal(alice, n, `packet ${n}`));
	const late = seal(alice, EPOCH_PACKETS - 1, 'late');
	for (const [i, packet] of packets.entries())
		t.is(text(open(bob, b.headerKey, packet)), `packet ${numbers[i]}`);
	t.is(text(open(bob, b.headerKey, late)), 'late', 'the previous epoch key is kept for stragglers');
	t.is(bob.highestReceived, EPOCH_PACKETS + 1);

	const keys = new PacketKeys(randomBytes(32));
	t.false(keys.key(0)!.equals(keys.key(1)!), 'each epoch has its own key');
});

test('keys two epochs old are forgotten: such a packet is refused, newer ones still open', (t) => {
	const {alice, bob, b} = sessionPair();
	const old = seal(alice, EPOCH_PACKETS - 1, 'old epoch 0');
	t.is(text(open(bob, b.headerKey, seal(alice, EPOCH_PACKETS, 'epoch 1'))), 'epoch 1');
	t.is(text(open(bob, b.headerKey, seal(alice, 2 * EPOCH_PACKETS, 'epoch 2'))), 'epoch 2');
	t.false(open(bob, b.headerKey, old).ok);
	t.is(text(open(bob, b.headerKey, seal(alice, 2 * EPOCH_PACKETS - 1, 'late 1'))), 'late 1');
	t.is(text(open(bob, b.headerKey, seal(alice, 2 * EPOCH_PACKETS + 1, 'next'))), 'next');
});

test('a packet number pushed far ahead (header bits flipped on path) is refused harmlessly', (t) => {
	const {alice, bob, b} = sessionPair();
	const packet = seal(alice, 9, 'genuine');
	const header = Buffer.alloc(HEADER_BYTES);
	unmaskHeader(packet, b.headerKey, header);
	// The header mask is an XOR, so an attacker on the path can set any packet number bits.
	for (const forged of [0xff_ff_ff_00, 0x80_00_00_09, EPOCH_PACKETS * 2 + 9]) {
		const tampered = Buffer.from(header);
		tampered.writeUInt32BE(forged, CID_BYTES);
		t.deepEqual(bob.open(packet, tampered, Buffer.alloc(100)), {ok: false, reason: 'decrypt'});
	}

	t.is(text(open(bob, b.headerKey, packet)), 'genuine');
	t.is(bob.highestReceived, 9, 'the forged numbers did not move the replay window');
	t.is(text(open(bob, b.headerKey, seal(alice, EPOCH_PACKETS, 'epoch 1'))), 'epoch 1');
});

test('a replayed packet is refused as replayed, and the refusal does not block the next', (t) => {
	const {alice, bob, b} = sessionPair();
	const first = seal(alice, 0, 'once');
	t.is(text(open(bob, b.headerKey, first)), 'once');
	t.deepEqual(open(bob, b.headerKey, first), {ok: false, reason: 'replayed'});
	t.deepEqual(open(bob, b.headerKey, Buffer.from(first)), {ok: false, reason: 'replayed'});
	t.is(text(open(bob, b.headerKey, seal(alice, 1, 'twice'))), 'twice');
	t.deepEqual(open(bob, b.headerKey, first), {ok: false, reason: 'replayed'});
});

test('reordered packets inside the window open once each; older than the window are refused', (t) => {
	const {alice, bob, b} = sessionPair();
	const top = 10_000;
	const packets = new Map<number, Buffer>();
	for (const n of [top, top - 1, top - 100, top - REPLAY_WINDOW + 1, top - REPLAY_WINDOW, 0])
		packets.set(n, seal(alice, n, `n${n}`));
	t.is(text(open(bob, b.headerKey, packets.get(top)!)), `n${top}`);
	for (const n of [top - 100, top - 1, top - REPLAY_WINDOW + 1]) {
		t.is(text(open(bob, b.headerKey, packets.get(n)!)), `n${n}`, `packet ${n} is in the window`);
		t.false(open(bob, b.headerKey, packets.get(n)!).ok, `packet ${n} only once`);
	}

	t.deepEqual(open(bob, b.headerKey, packets.get(top - REPLAY_WINDOW)!), {
		ok: false,
		reason: 'replayed',
	});
	t.deepEqual(open(bob, b.headerKey, packets.get(0)!), {ok: false, reason: 'replayed'});
});

test('every single flipped bit, in the header or the body, makes the packet fail', (t) => {
	const {alice, bob, b} = sessionPair();
	const packet = seal(alice, 42, 'a packet with a body long enough to have a middle');
	let rejected = 0;
	for (let bit = 0; bit < packet.length * 8; bit++) {
		const tampered = Buffer.from(packet);
		tampered[bit >>> 3] ^= 1 << (bit & 7);
		const result = open(bob, b.headerKey, tampered);
		if (!result.ok) rejected++;
	}

	t.is(rejected, packet.length * 8);
	t.is(
		text(open(bob, b.headerKey, packet)),
		'a packet with a body long enough to have a middle',
		'failed packets did not move the replay window or the keys',
	);
});

test('keys of the wrong direction, or another session, do not open a packet', (t) => {
	const {alice, bob, a, b, aToB, bToA} = sessionPair();
	const packet = seal(alice, 3, 'for bob');
	// Alice opening her own packet: her receive key is the other direction's.
	t.false(open(alice, b.headerKey, packet).ok);
	// A session whose keys are swapped (receive = Bob's send key) fails too.
	const swapped = new Session({
		sendSecret: aToB,
		receiveSecret: bToA,
		remoteCid: a.cid,
		remoteHeaderKey: a.headerKey,
	});
	t.false(open(swapped, b.headerKey, packet).ok);
	// The right keys but the wrong header key give a wrong header, so a wrong nonce and AD.
	t.false(open(bob, a.headerKey, packet).ok);
	const stranger = sessionPair().bob;
	t.false(open(stranger, b.headerKey, packet).ok);
	t.is(text(open(bob, b.headerKey, packet)), 'for bob');
});

test('packets too short to hold a header and a tag are refused before any decryption', (t) => {
	const header = Buffer.alloc(HEADER_BYTES);
	for (let length = 0; length < HEADER_BYTES + 16; length++)
		t.false(unmaskHeader(randomBytes(length), randomBytes(32), header));
	const {alice, bob, b} = sessionPair();
	const empty = seal(alice, 0, '');
	t.is(empty.length, PACKET_OVERHEAD);
	t.is(text(open(bob, b.headerKey, empty)), '');
});
