import {randomBytes, randomInt} from 'node:crypto';
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

/** Sample files are a few MB: several chunks each, and a fetch lasts long enough to be seen. */
const MIN_SAMPLE_BYTES = 2 * 1024 * 1024;
const MAX_SAMPLE_BYTES = 4 * 1024 * 1024;
const WRITE_PIECE_BYTES = 256 * 1024;

/** Writes a fresh file of random bytes (new content, so a new link) and returns its path. */
export async function writeSample(directory: string, name: string): Promise<string> {
	await mkdir(directory, {recursive: true});
	const size = randomInt(MIN_SAMPLE_BYTES, MAX_SAMPLE_BYTES + 1);
	const pieces: Buffer[] = [];
	for (let left = size; left > 0; left -= WRITE_PIECE_BYTES)
		pieces.push(randomBytes(Math.min(left, WRITE_PIECE_BYTES)));
	const path = join(directory, name);
	await writeFile(path, Buffer.concat(pieces));
	return path;
}

/** A uniformly chosen element, or undefined for an empty list. */
export function pick<T>(items: readonly T[]): T | undefined {
	return items.length === 0 ? undefined : items[randomInt(items.length)];
}
