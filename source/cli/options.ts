import {homedir} from 'node:os';
import {join, resolve} from 'node:path';
import type {NodeOptions} from '../node/node.js';
import {UsageError} from './exit.js';

export const DEFAULT_PORT = 7600;

export type CommonFlags = {
	data?: string;
	port?: number;
	host?: string;
	announce?: string;
	minRank?: number;
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

	return {
		dataDir: dataDirectory(flags.data),
		port,
		host: flags.host,
		announce: flags.announce,
		minRank,
		...overrides,
	};
}
