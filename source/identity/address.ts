import {isIP} from 'node:net';
import {TornetError} from '../errors.js';
import {PUBLIC_KEY_BYTES} from './keys.js';

/** A node's address: `<ed25519 public key, 64 hex digits>@host:port`, IPv6 hosts in brackets. */
export type NodeAddress = {
	publicKey: Buffer;
	host: string;
	port: number;
};

export function formatAddress(address: NodeAddress): string {
	const host = isIP(address.host) === 6 ? `[${address.host}]` : address.host;
	return `${address.publicKey.toString('hex')}@${host}:${address.port}`;
}

export function formatHostPort(host: string, port: number): string {
	return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseHostPort(input: string): {host: string; port: number} {
	const match = /^(?:\[([\da-f:.]+)]|([^:@[\]\s]+)):(\d{1,5})$/i.exec(input);
	if (!match) throw TornetError.badAddress(input, 'expected host:port');
	const host = match[1] ?? match[2]!;
	const port = Number(match[3]);
	if (port < 1 || port > 65_535)
		throw TornetError.badAddress(input, `port ${port} is out of range`);
	if (match[1] !== undefined && isIP(host) !== 6)
		throw TornetError.badAddress(input, 'bad IPv6 address');
	return {host, port};
}

export function parseAddress(input: string): NodeAddress {
	const at = input.indexOf('@');
	if (at === -1) throw TornetError.badAddress(input, 'expected <public key>@host:port');
	const keyHex = input.slice(0, at);
	if (!/^[\da-f]+$/i.test(keyHex) || keyHex.length !== PUBLIC_KEY_BYTES * 2) {
		throw TornetError.badAddress(
			input,
			`the public key must be ${PUBLIC_KEY_BYTES * 2} hex digits`,
		);
	}
	return {publicKey: Buffer.from(keyHex, 'hex'), ...parseHostPort(input.slice(at + 1))};
}
