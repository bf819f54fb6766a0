import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import {writeFileAtomic} from '../util/atomic-file.js';
import type {Settings} from './snapshot.js';
import {
	MIN_POPULARITY_MAX,
	MIN_POPULARITY_MIN,
	RANGE_BITS_MAX,
	RANGE_BITS_MIN,
} from './controller.js';

export const SETTINGS_FILE = 'settings.json';

/** What a node sells by default: 1 MB/s of upload and 1 GiB of disk, serving its whole range. */
export const DEFAULT_SETTINGS: Settings = {
	rangeBits: RANGE_BITS_MAX,
	minPopularity: 0,
	uploadBps: 1_000_000,
	diskBytes: 1024 ** 3,
	minRank: 0,
};

export async function loadSettings(dataDir: string): Promise<Settings> {
	const path = join(dataDir, SETTINGS_FILE);
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {...DEFAULT_SETTINGS};
		throw error;
	}

	let parsed: Partial<Settings>;
	try {
		parsed = JSON.parse(text) as Partial<Settings>;
	} catch {
		throw TornetError.badArgument(`${path} is not valid JSON`);
	}

	return validateSettings({...DEFAULT_SETTINGS, ...parsed}, path);
}

export async function saveSettings(dataDir: string, settings: Settings): Promise<void> {
	await writeFileAtomic(
		join(dataDir, SETTINGS_FILE),
		JSON.stringify(settings, undefined, '\t') + '\n',
		0o600,
	);
}

export function validateSettings(settings: Settings, where = 'settings'): Settings {
	const check = (name: keyof Settings, min: number, max: number, integer = true) => {
		const value = settings[name];
		if (
			typeof value !== 'number' ||
			!Number.isFinite(value) ||
			value < min ||
			value > max ||
			(integer && !Number.isInteger(value))
		) {
			throw TornetError.badArgument(
				`${where}: ${name} must be ${integer ? 'an integer ' : ''}from ${min} to ${max}`,
			);
		}
	};

	check('rangeBits', RANGE_BITS_MIN, RANGE_BITS_MAX);
	check('minPopularity', MIN_POPULARITY_MIN, MIN_POPULARITY_MAX, false);
	check('uploadBps', 0, Number.MAX_SAFE_INTEGER);
	check('diskBytes', 0, Number.MAX_SAFE_INTEGER);
	check('minRank', 0, 255);
	return settings;
}
