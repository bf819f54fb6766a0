import {randomBytes} from 'node:crypto';
import {CookieJar, openCookieReply} from '../../../source/wire/cookie.js';
import {HEADER_BYTES} from '../../../source/wire/header-protection.js';
import {EPOCH_PACKETS} from '../../../source/wire/packet-keys.js';
import {PACKET_OVERHEAD, readU32, Session, unmaskHeader} from '../../../source/wire/session.js';
import {identityWithRank} from '../../helpers/identities.js';
import {check, sameBytes, type TargetSpec} from '../target.js';

/** Packet numbers a data packet may carry next: the next one, small gaps, and epoch boundaries. */
function nextPacketNumber(highest: number, roll: number): number {
	if (roll < 0.05) return (Math.floor(highest / EPOCH_PACKETS) + 1) * EPOCH_PACKETS - 1;
	if (roll < 0.08) return (Math.floor(highest / EPOCH_PACKETS) + 1) * EPOCH_PACKETS;
	return highest + 1 + Math.floor(roll * 4);
}

/**
 * Data packets as the endpoint sees them: unmask the header with our header key, then open with
 * the session (replay window, epoch keys, AEAD). The property: a mutated packet is refused with a
 * reason; the only packets that open are the sealed ones, each once, with their own plaintext.
 */
export const sessionTarget: TargetSpec = {
	name: 'session-open',
	about:
		'wire/session: unmaskHeader + Session.open on mutated sealed packets (header protection, replay window, key epochs, AEAD)',
	create(random) {
		const ab = randomBytes(32);
		const ba = randomBytes(32);
		const headerKey = randomBytes(32);
		const cid = randomBytes(8);
		const sender = new Session({
			sendSecret: ab,
			receiveSecret: ba,
			remoteCid: cid,
			remoteHeaderKey: headerKey,
		});
		const receiver = new Session({
			sendSecret: ba,
			receiveSecret: ab,
			remoteCid: randomBytes(8),
			remoteHeaderKey: randomBytes(32),
		});
		const sealed = new Map<number, Buffer>();
		let highestSealed = -1;
		const header = new Uint8Array(HEADER_BYTES);
		const out = Buffer.alloc(70_000);

		function seal(): Buffer {
			const packetNumber = nextPacketNumber(highestSealed, random.next());
			highestSealed = packetNumber;
			const plaintext = random.bytes(random.smallLength(1200));
			const packet = Buffer.alloc(plaintext.length + PACKET_OVERHEAD);
			sender.seal(packetNumber, plaintext, packet);
			sealed.set(packetNumber, plaintext);
			return packet;
		}

		const seeds = Array.from({length: 16}, seal);
		let inputs = 0;
		return {
			seeds,
			maxBytes: 1500,
			run(input) {
				// Stale seeds (below the replay window, or skipped past) are renewed now and then.
				if (++inputs % 2000 === 0) seeds.splice(0, seeds.length, ...Array.from({length: 16}, seal));
				if (!unmaskHeader(input, headerKey, header)) return;
				const result = receiver.open(Buffer.from(input), header, out);
				if (!result.ok) return;
				const packetNumber = readU32(header, 8);
				const expected = sealed.get(packetNumber);
				check(expected !== undefined, `packet ${packetNumber} opened but was never sealed`);
				sameBytes(result.plaintext, expected, 'opened plaintext');
				sealed.delete(packetNumber);
				const index = seeds.findIndex(
					(seed) => readU32(unmaskedHeader(seed, headerKey), 8) === packetNumber,
				);
				if (index !== -1) seeds[index] = seal();
			},
		};
	},
};

function unmaskedHeader(packet: Uint8Array, headerKey: Uint8Array): Uint8Array {
	const header = new Uint8Array(HEADER_BYTES);
	unmaskHeader(packet, headerKey, header);
	return header;
}

/** Cookie replies (the answer to an initiation under load): only the genuine cookie may come out. */
export const cookieTarget: TargetSpec = {
	name: 'cookie-reply',
	about:
		'wire/cookie: openCookieReply on mutated cookie replies (length, XChaCha20-Poly1305 with mac1 as AD)',
	create(random) {
		const responder = identityWithRank(0);
		const jar = new CookieJar(responder.publicKey);
		const mac1 = random.bytes(16);
		const seeds = Array.from({length: 8}, () =>
			jar.reply(mac1, '127.0.0.1', 4000, 56 + random.smallLength(400))!,
		);
		const cookie = jar.cookieFor('127.0.0.1', 4000);
		return {
			seeds,
			maxBytes: 1300,
			run(input) {
				const opened = openCookieReply(input, responder.publicKey, mac1);
				if (opened) sameBytes(opened, cookie, 'cookie from a mutated reply');
			},
		};
	},
};
