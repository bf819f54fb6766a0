import {isIP} from 'node:net';
import {Reader} from '../util/varint.js';

/** An address as the `ping` method reports it: family (4 or 6) ‖ IP bytes ‖ port (u16). */
export type HostPort = {host: string; port: number};

export function encodeHostPort(address: HostPort): Buffer {
	const {port} = address;
	// An IPv4 peer seen through a dual-stack socket is reported as plain IPv4.
	const host = address.host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
	const family = isIP(host);
	const ip = family === 6 ? ipv6Bytes(host) : Buffer.from(host.split('.').map(Number));
	const out = Buffer.alloc(1 + ip.length + 2);
	out[0] = family === 6 ? 6 : 4;
	ip.copy(out, 1);
	out.writeUInt16BE(port, 1 + ip.length);
	return out;
}

export function decodeHostPort(reader: Reader): HostPort | undefined {
	const family = reader.u8();
	if (family !== 4 && family !== 6) return undefined;
	const ip = reader.bytesView(family === 4 ? 4 : 16);
	const port = reader.u16();
	if (reader.failed) return undefined;
	const host = family === 4 ? [...ip].join('.') : formatIpv6(ip);
	return {host, port};
}

function ipv6Bytes(host: string): Buffer {
	const out = Buffer.alloc(16);
	const [head, tail] = host.includes('::') ? host.split('::') : [host, undefined];
	const headGroups = head ? head.split(':') : [];
	const tailGroups = tail ? tail.split(':') : [];
	const groups = [
		...headGroups,
		...Array.from({length: 8 - headGroups.length - tailGroups.length}, () => '0'),
		...tailGroups,
	];
	for (let i = 0; i < 8; i++) out.writeUInt16BE(Number.parseInt(groups[i] || '0', 16) || 0, i * 2);
	return out;
}

function formatIpv6(bytes: Uint8Array): string {
	const groups: string[] = [];
	for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
	return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
