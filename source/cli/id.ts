import {formatAddress} from '../identity/address.js';
import {idToHex} from '../identity/id.js';
import {loadOrCreateIdentity} from '../identity/key-file.js';
import {announceHost} from '../node/announce-host.js';
import {EXIT_OK} from './exit.js';
import {type CommonFlags, nodeOptions} from './options.js';

/** `tornet id`: who this node is and where others reach it (with the configured port and host). */
export async function idCommand(flags: CommonFlags & {json: boolean}): Promise<number> {
	const options = nodeOptions(flags);
	const {identity, created} = await loadOrCreateIdentity(options.dataDir);
	const host = options.announce ?? announceHost(options.host ?? '0.0.0.0');
	const result = {
		id: idToHex(identity.id),
		publicKey: identity.publicKey.toString('hex'),
		rank: identity.rank,
		address: formatAddress({publicKey: identity.publicKey, host, port: options.port ?? 0}),
		dataDir: options.dataDir,
	};
	if (flags.json) {
		process.stdout.write(JSON.stringify(result) + '\n');
	} else {
		if (created) process.stderr.write(`created a new identity in ${options.dataDir}\n`);
		process.stdout.write(
			[
				`id          ${result.id}`,
				`public key  ${result.publicKey}`,
				`rank        ${result.rank}`,
				`address     ${result.address}`,
				'',
			].join('\n'),
		);
	}

	return EXIT_OK;
}
