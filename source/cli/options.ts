import {homedir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseAddress} from '../identity/address.js';
import type {NodeOptions} from '../node/node.js';
import {UsageError} from './exit.js';

export const DEFAULT_PORT = 7600;

export type CommonFlags = {
	data?: string;
	port?: number;
	host?: string;
	announce?: string;
	minRank?: number;
	bootstrap?: string[];
};

export function dataDirectory(flag: string | undefined): string {
	return resolve(flag ?? process.env['TORNET_DATA'] ?? join(homedir(), '.tornet'));
}

export function nodeOptions(flags: CommonFlags, overrides: Partial<NodeOptions> = {}): NodeOptions {
	const port = flags.port ?? DEFAULT_PORT;
	if (!Number.isInteger(port) || port < 0 || port > 65_535)
		throw new UsageError(`--port must be 0 to 65535, not ${port}`);
	const minRank = flags.minRank ?? 0;
	if (!Number.isInteger(minRank) || minRank < 0 || minRank > 255) {
		throw new UsageError(`--min-rank must be 0 to 255, not ${minRank}`);
	}

	const bootstrap = flags.bootstrap ?? [];
	for (const address of bootstrap) {
		try {
			parseAddress(address);
		} catch {
			throw new UsageError(
				`--bootstrap needs <64 hex digits of public key>@host:port, not ${JSON.stringify(address)}`,
			);
		}
	}

	return {
		dataDir: dataDirectory(flags.data),
		bootstrap,
		port,
		host: flags.host,
		announce: flags.announce,
		minRank,
		...overrides,
	};
}
