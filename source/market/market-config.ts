import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import type {BitcoinRailOptions} from './rails/bitcoin.js';
import {parseBitcoinConfig} from './rails/bitcoin-config.js';
import {DEFAULT_MARKET_SETTINGS, type MarketSettings, marketSettings} from './settings.js';

/** Optional, beside settings.json: the node's prices, lines and settlement policy. */
export const MARKET_CONFIG_FILE = 'market.json';

export type MarketConfig = {
	settings: MarketSettings;
	/**
	 * The most one automatic settlement may pay when a peer we fetch from wants payment
	 * (undefined: the line our own rank earns; 0: never settle without the operator).
	 */
	autoSettleCredits?: bigint;
	/** The Bitcoin rail's address source and node (rails/bitcoin-config.ts), when configured. */
	bitcoin?: BitcoinRailOptions;
};

const CREDIT_KEYS = new Set(['lookupFee', 'requestFee', 'allowancePerSecond']);

/**
 * Read `<data>/market.json`: any MarketSettings field plus `autoSettleCredits` and `bitcoin`; credit amounts as
 * decimal strings or safe integers (JSON has no bigint). A missing file means the defaults; an
 * unknown key or a bad value is an error that names it, so a typo never silently keeps a default.
 */
export async function loadMarketConfig(dataDir: string): Promise<MarketConfig> {
	const path = join(dataDir, MARKET_CONFIG_FILE);
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {settings: marketSettings()};
		throw error;
	}

	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw TornetError.badArgument(`${path} is not valid JSON`);
	}

	return parseMarketConfig(parsed, path);
}

export function parseMarketConfig(value: unknown, where = MARKET_CONFIG_FILE): MarketConfig {
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		throw TornetError.badArgument(`${where} must hold a JSON object`);
	const change: Record<string, unknown> = {};
	let autoSettleCredits: bigint | undefined;
	let bitcoin: BitcoinRailOptions | undefined;
	for (const [key, raw] of Object.entries(value)) {
		if (key === 'bitcoin') {
			bitcoin = parseBitcoinConfig(raw, where);
			continue;
		}

		if (key === 'autoSettleCredits') {
			autoSettleCredits = credits(raw, `${where}: ${key}`);
			continue;
		}

		if (!(key in DEFAULT_MARKET_SETTINGS))
			throw TornetError.badArgument(`${where}: unknown market setting ${key}`);
		change[key] = CREDIT_KEYS.has(key) ? credits(raw, `${where}: ${key}`) : raw;
	}

	const settings = marketSettings(change as Partial<MarketSettings>);
	return {
		settings,
		...(autoSettleCredits === undefined ? {} : {autoSettleCredits}),
		...(bitcoin ? {bitcoin} : {}),
	};
}

function credits(raw: unknown, what: string): bigint {
	if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return BigInt(raw);
	if (typeof raw === 'string' && /^\d{1,20}$/.test(raw) && BigInt(raw) < 1n << 64n)
		return BigInt(raw);
	throw TornetError.badArgument(`${what} must be a credit amount (a whole number below 2^64)`);
}
