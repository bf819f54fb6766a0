import {TornetError} from '../../errors.js';
import type {BitcoinRailOptions} from './bitcoin.js';
import {BitcoinCoreRpc} from './bitcoin-node.js';
import {type BitcoinNetwork, XpubAddresses} from './xpub-addresses.js';

/**
 * The `bitcoin` object of `<data>/market.json`, which turns the Bitcoin rail on (with a price,
 * `satsPerMegacredit` > 0):
 *   {"xpub": "xpub6…", "network": "mainnet", "rpcUrl": "http://127.0.0.1:8332/wallet/tornet",
 *    "rpcUser": "…", "rpcPassword": "…", "minConfirmations": 1}
 * The xpub's receive chain (…/0/*) must be imported into that Bitcoin Core wallet as the
 * watch-only descriptor wpkh(<xpub>/0/*), so every invoice address is watched.
 */
export function parseBitcoinConfig(value: unknown, where: string): BitcoinRailOptions {
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		throw TornetError.badArgument(`${where}: bitcoin must be an object`);
	const raw = value as Record<string, unknown>;
	const known = new Set([
		'xpub',
		'network',
		'rpcUrl',
		'rpcUser',
		'rpcPassword',
		'minConfirmations',
	]);
	for (const key of Object.keys(raw))
		if (!known.has(key)) throw TornetError.badArgument(`${where}: unknown bitcoin setting ${key}`);
	const text = (key: string): string => {
		const field = raw[key];
		if (typeof field !== 'string' || field.length === 0 || field.length > 512)
			throw TornetError.badArgument(`${where}: bitcoin.${key} must be a string`);
		return field;
	};

	const network = (raw['network'] ?? 'mainnet') as BitcoinNetwork;
	if (!['mainnet', 'testnet', 'regtest'].includes(network))
		throw TornetError.badArgument(`${where}: bitcoin.network is mainnet, testnet or regtest`);
	const url = text('rpcUrl');
	if (!/^https?:\/\//.test(url))
		throw TornetError.badArgument(`${where}: bitcoin.rpcUrl must be an http(s) URL`);
	const minConfirmations = raw['minConfirmations'] ?? 1;
	if (
		typeof minConfirmations !== 'number' ||
		!Number.isInteger(minConfirmations) ||
		minConfirmations < 0 ||
		minConfirmations > 100
	)
		throw TornetError.badArgument(`${where}: bitcoin.minConfirmations must be 0…100`);
	let addresses: XpubAddresses;
	try {
		addresses = new XpubAddresses(text('xpub'), network);
	} catch (error) {
		throw TornetError.badArgument(`${where}: bitcoin.xpub: ${(error as Error).message}`);
	}

	return {
		addresses,
		node: new BitcoinCoreRpc({url, user: text('rpcUser'), password: text('rpcPassword')}),
		minConfirmations,
	};
}
