import {networkInterfaces} from 'node:os';

/**
 * The host to put in this node's address when it listens on a wildcard: the first non-internal
 * IPv4 address, else loopback. An operator behind NAT sets --host or --announce instead.
 */
export function announceHost(boundHost: string): string {
	if (boundHost !== '0.0.0.0' && boundHost !== '::') return boundHost;
	for (const addresses of Object.values(networkInterfaces())) {
		for (const address of addresses ?? []) {
			if (address.family === 'IPv4' && !address.internal) return address.address;
		}
	}

	return '127.0.0.1';
}
