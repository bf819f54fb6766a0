import {randomBytes} from 'node:crypto';
import {mkdir, open, readdir, rename, rm, unlink} from 'node:fs/promises';
import {join} from 'node:path';
import {writeNewFileDurably} from './durable-write.js';

/**
 * Where chunk bodies live on disk: `<dataDir>/chunks/ab/<id hex>`, fanned out by the first id
 * byte so no directory grows past a few thousand entries per GB-scale store. Bodies are written
 * under `chunks/tmp/` and renamed into place after an fsync, so a name in a fan-out directory always
 * holds a complete body; whatever is in `tmp/` at start-up is a write a crash interrupted.
 * Bodies are plain files because they measured 5× faster than LevelDB values here (STACK.md).
 */
export const FANOUT = 256;
export const ID_HEX = /^[0-9a-f]{40}$/;

/** Disk space a body takes, counted in 4 KiB blocks so that many small chunks are not undercounted. */
export function diskCost(size: number): number {
	return Math.ceil(size / 4096) * 4096;
}

export type StoreLayout = {
	root: string;
	temporary: string;
	partial: string;
	index: string;
};

export function storeLayout(dataDir: string): StoreLayout {
	const root = join(dataDir, 'chunks');
	return {
		root,
		temporary: join(root, 'tmp'),
		partial: join(root, 'partial'),
		index: join(dataDir, 'index'),
	};
}

export function fanoutName(byte: number): string {
	return byte.toString(16).padStart(2, '0');
}

export function bodyDirectory(layout: StoreLayout, id: Uint8Array): string {
	return join(layout.root, fanoutName(id[0]));
}

export function bodyPath(layout: StoreLayout, id: Uint8Array): string {
	return join(bodyDirectory(layout, id), Buffer.from(id).toString('hex'));
}

export function partialPath(layout: StoreLayout, id: Uint8Array): string {
	return join(layout.partial, Buffer.from(id).toString('hex'));
}

export async function prepareDirectories(layout: StoreLayout): Promise<void> {
	await rm(layout.temporary, {recursive: true, force: true});
	await mkdir(layout.temporary, {recursive: true});
	await mkdir(layout.partial, {recursive: true});
	await Promise.all(
		Array.from({length: FANOUT}, async (_, byte) =>
			mkdir(join(layout.root, fanoutName(byte)), {recursive: true}),
		),
	);
}

/**
 * Writes a body crash-safely: temp file, data fsync, rename. The directory entry is made durable
 * later by `syncDirectory` (once per batch, not once per chunk): until then a crash may lose the
 * name, which recovery treats as a missing body, never as a torn one.
 */
export async function writeBody(layout: StoreLayout, id: Uint8Array, body: Uint8Array) {
	const temporary = join(layout.temporary, `${randomBytes(8).toString('hex')}.tmp`);
	await writeNewFileDurably(temporary, body);
	try {
		await rename(temporary, bodyPath(layout, id));
	} catch (error) {
		await unlink(temporary).catch(() => undefined);
		throw error;
	}
}

export async function syncDirectory(path: string): Promise<void> {
	const directory = await open(path, 'r');
	try {
		await directory.sync();
	} finally {
		await directory.close();
	}
}

/** Reads `length` bytes at `position`; fewer only if the file is shorter. */
export async function readAt(path: string, position: number, length: number): Promise<Buffer> {
	const file = await open(path, 'r');
	try {
		const buffer = Buffer.allocUnsafe(length);
		let done = 0;
		while (done < length) {
			const {bytesRead} = await file.read(buffer, done, length - done, position + done);
			if (bytesRead === 0) break;
			done += bytesRead;
		}

		return buffer.subarray(0, done);
	} finally {
		await file.close();
	}
}

export async function listNames(directory: string): Promise<string[]> {
	try {
		return (await readdir(directory)).sort();
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}
}

export async function removeFile(path: string): Promise<void> {
	await unlink(path).catch((error: NodeJS.ErrnoException) => {
		if (error.code !== 'ENOENT') throw error;
	});
}
