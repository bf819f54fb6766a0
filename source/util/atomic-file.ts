import {randomBytes} from 'node:crypto';
import {open, rename, unlink} from 'node:fs/promises';
import {dirname} from 'node:path';

/**
 * Write a file so that a crash leaves either the old or the new contents, never a mix:
 * temp file in the same directory, fsync, rename, fsync the directory.
 */
export async function writeFileAtomic(
	path: string,
	data: string | Uint8Array,
	mode = 0o644,
): Promise<void> {
	const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
	const file = await open(temporary, 'wx', mode);
	try {
		await file.writeFile(data);
		await file.sync();
	} catch (error) {
		await file.close();
		await unlink(temporary).catch(() => undefined);
		throw error;
	}

	await file.close();
	await rename(temporary, path);
	const directory = await open(dirname(path), 'r');
	try {
		await directory.sync();
	} finally {
		await directory.close();
	}
}
