import {homedir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseAddress} from '../identity/address.js';
import type {NodeOptions} from '../node/node.js';
import {UsageError} from './exit.js';
import {parseSize} from './size.js';

export const DEFAULT_PORT = 7600;

export type CommonFlags = {
	data?: string;
	port?: number;
	host?: string;
	announce?: string;
	minRank?: number;
	bootstrap?: string[];
	disk?: string;
	upload?: string;
	gateway?: number;
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

	const diskBytes = flags.disk === undefined ? undefined : parseSize(flags.disk);
	if (flags.disk !== undefined && diskBytes === undefined)
		throw new UsageError(
			`--disk needs a size like 10GB or 512MiB, not ${JSON.stringify(flags.disk)}`,
		);
	const uploadBps = flags.upload === undefined ? undefined : parseSize(flags.upload, true);
	if (flags.upload !== undefined && uploadBps === undefined)
		throw new UsageError(
			`--upload needs a rate like 2MB/s (0 for unlimited), not ${JSON.stringify(flags.upload)}`,
		);

	const {gateway} = flags;
	if (gateway !== undefined && (!Number.isInteger(gateway) || gateway < 0 || gateway > 65_535))
		throw new UsageError(`--gateway must be a port from 0 to 65535, not ${gateway}`);

	return {
		dataDir: dataDirectory(flags.data),
		bootstrap,
		gatewayPort: gateway,
		diskBytes,
		uploadBps,
		port,
		host: flags.host,
		announce: flags.announce,
		minRank,
		...overrides,
	};
}
