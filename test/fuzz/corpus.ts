import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * Crashing inputs, one file each: test/fuzz/corpus/<target>/<hash>.bin holds the raw input bytes.
 * regressions.test.ts replays every file through its target on every test run, so a crash found
 * once stays fixed. Inputs of targets that need live state (a pending handshake, an open
 * connection) replay against fresh state of the same kind.
 */
export const CORPUS_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

export function inputHash(input: Uint8Array): string {
	return createHash('sha256').update(input).digest('hex').slice(0, 16);
}

/** Writes the input (once per distinct input) and returns its path. */
export function saveInput(target: string, input: Uint8Array, directory = CORPUS_DIRECTORY): string {
	const folder = join(directory, target);
	mkdirSync(folder, {recursive: true});
	const path = join(folder, `${inputHash(input)}.bin`);
	if (!existsSync(path)) writeFileSync(path, input);
	return path;
}

export type CorpusEntry = {target: string; file: string; input: Buffer};

export function readCorpus(directory = CORPUS_DIRECTORY): CorpusEntry[] {
	if (!existsSync(directory)) return [];
	const entries: CorpusEntry[] = [];
	for (const target of readdirSync(directory, {withFileTypes: true})) {
		if (!target.isDirectory()) continue;
		for (const file of readdirSync(join(directory, target.name))) {
			if (!file.endsWith('.bin')) continue;
			entries.push({
				target: target.name,
				file: join(target.name, file),
				input: readFileSync(join(directory, target.name, file)),
			});
		}
	}

	return entries;
}
