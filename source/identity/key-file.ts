import {mkdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import {writeFileAtomic} from '../util/atomic-file.js';
import {generateKeyPair, keyPairFromSeed, makeIdentity, SEED_BYTES, type Identity} from './keys.js';
import {NONCE_BYTES, nonceFromCounter, rankOf} from './rank.js';

export const KEY_FILE_NAME = 'identity.json';

/** What the key file holds. `searched` lets an interrupted rank search resume where it stopped. */
export type KeyFileContents = {
	version: 1;
	seed: string;
	nonce: string;
	searched: string;
};

export function keyFilePath(dataDir: string): string {
	return join(dataDir, KEY_FILE_NAME);
}

export async function loadOrCreateIdentity(
	dataDir: string,
): Promise<{identity: Identity; created: boolean; searched: bigint}> {
	const existing = await readKeyFile(dataDir);
	if (existing) return {...existing, created: false};
	const keyPair = generateKeyPair();
	// A new identity starts at STARTING_RANK: a credit line is 100 MB × rank, so rank 0 could
	// never download anything. 2^8 hashes take well under a millisecond; more is `tornet rank`.
	let counter = 0n;
	let nonce: Buffer = Buffer.alloc(NONCE_BYTES);
	while (rankOf(keyPair.publicKey, nonce) < STARTING_RANK) nonce = nonceFromCounter(++counter);
	const identity = makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce));
	await saveIdentity(dataDir, identity, counter + 1n);
	return {identity, created: true, searched: counter + 1n};
}

/** The rank a new identity is given by a short search at creation. */
export const STARTING_RANK = 8;

export async function readKeyFile(
	dataDir: string,
): Promise<{identity: Identity; searched: bigint} | undefined> {
	const path = keyFilePath(dataDir);
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw TornetError.badKeyFile(path, (error as Error).message);
	}

	let parsed: Partial<KeyFileContents>;
	try {
		parsed = JSON.parse(text) as Partial<KeyFileContents>;
	} catch {
		throw TornetError.badKeyFile(path, 'not valid JSON');
	}

	if (parsed.version !== 1) throw TornetError.badKeyFile(path, 'unknown version');
	const seed = hexField(path, parsed.seed, SEED_BYTES, 'seed');
	const nonce = hexField(path, parsed.nonce, NONCE_BYTES, 'nonce');
	if (typeof parsed.searched !== 'string' || !/^\d+$/.test(parsed.searched)) {
		throw TornetError.badKeyFile(path, 'searched must be a decimal string');
	}

	const keyPair = keyPairFromSeed(seed);
	return {
		identity: makeIdentity(keyPair, nonce, rankOf(keyPair.publicKey, nonce)),
		searched: BigInt(parsed.searched),
	};
}

export async function saveIdentity(
	dataDir: string,
	identity: Identity,
	searched: bigint,
): Promise<void> {
	await mkdir(dataDir, {recursive: true, mode: 0o700});
	const contents: KeyFileContents = {
		version: 1,
		seed: identity.secretKey.subarray(0, SEED_BYTES).toString('hex'),
		nonce: identity.nonce.toString('hex'),
		searched: searched.toString(),
	};
	await writeFileAtomic(
		keyFilePath(dataDir),
		JSON.stringify(contents, undefined, '\t') + '\n',
		0o600,
	);
}

function hexField(path: string, value: unknown, bytes: number, name: string): Buffer {
	if (typeof value !== 'string' || value.length !== bytes * 2 || !/^[\da-f]+$/i.test(value)) {
		throw TornetError.badKeyFile(path, `${name} must be ${bytes * 2} hex digits`);
	}

	return Buffer.from(value, 'hex');
}
