import {ipToBytes} from './ip-bytes.js';

/** No subnet: a host name, or an address where many honest nodes share a prefix (see below). */
export const NO_SUBNET = 0;

/**
 * The network a host belongs to for IP-diversity limits (S/Kademlia): the /24 of an IPv4
 * address, the /48 of an IPv6 address (what one site is usually given), as a nonzero 32-bit key.
 * One operator can cheaply own many addresses in one such block, but rarely many blocks, so
 * capping the contacts per block caps what one operator's identities can take of a routing table.
 *
 * Loopback, private, link-local, CGNAT and unique-local addresses give NO_SUBNET (no limit): there
 * every node of a test swarm or a LAN shares the prefix, and a peer there is not a stranger
 * elsewhere on the internet who could have bought the block.
 */
export function subnetOf(host: string): number {
	const bytes = ipToBytes(host);
	if (bytes === undefined) return NO_SUBNET;
	if (bytes.length === 16 && isMappedV4(bytes)) return subnetV4(bytes.subarray(12));
	if (bytes.length === 4) return subnetV4(bytes);
	if (isLocalV6(bytes)) return NO_SUBNET;
	// FNV-1a over the /48, with the top bit set so it never collides with an IPv4 key or 0.
	let hash = 0x81_1c_9d_c5;
	for (let i = 0; i < 6; i++) hash = Math.imul(hash ^ bytes[i], 0x01_00_01_93);
	return (hash | 0x80_00_00_00) >>> 0;
}

function subnetV4(b: Uint8Array): number {
	const [a, c] = [b[0], b[1]];
	if (a === 0 || a === 10 || a === 127 || a >= 224) return NO_SUBNET;
	if (a === 169 && c === 254) return NO_SUBNET;
	if (a === 172 && c >= 16 && c < 32) return NO_SUBNET;
	if (a === 192 && c === 168) return NO_SUBNET;
	if (a === 100 && c >= 64 && c < 128) return NO_SUBNET; // CGNAT: many subscribers, one block
	// 1 + the /24 as 24 bits: nonzero, below 2^25, disjoint from the IPv6 keys.
	return 1 + ((b[0] << 16) | (b[1] << 8) | b[2]);
}

function isMappedV4(b: Uint8Array): boolean {
	for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
	return b[10] === 0xff && b[11] === 0xff;
}

function isLocalV6(b: Uint8Array): boolean {
	if ((b[0] & 0xfe) === 0xfc) return true; // unique local fc00::/7
	if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return true; // link-local fe80::/10
	for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
	return b[15] <= 1; // :: and ::1
}
