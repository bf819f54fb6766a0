import {opendir} from 'node:fs/promises';
import {join} from 'node:path';
import {TornetError} from '../errors.js';
import {MAX_FILES} from './file-description.js';
import {relativePathProblem} from './relative-path.js';

export type WalkedFile = {
	/** Absolute path on our disk. */
	absolute: string;
	/** '/'-separated path relative to the walked directory, as it goes in the description. */
	path: string;
};

/**
 * The regular files under `root`, depth first in byte order of names (the same tree always gives
 * the same description, hence the same link). Symbolic links are not followed (a link could lead
 * out of the tree, or into a loop) and other special files are skipped, as is whatever `skip`
 * names (the node's own data directory, when a parent of it is published). A name that cannot go in a
 * description (see relative-path.ts) is BAD_ARGUMENT rather than silently dropped.
 */
export async function walkFiles(
	root: string,
	skip: (absolute: string) => boolean = () => false,
): Promise<WalkedFile[]> {
	const files: WalkedFile[] = [];
	const visit = async (directory: string, prefix: string): Promise<void> => {
		const entries = [];
		for await (const entry of await opendir(directory)) entries.push(entry);
		entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const entry of entries) {
			const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
			if (!entry.isDirectory() && !entry.isFile()) continue;
			if (skip(join(directory, entry.name))) continue;
			const problem = relativePathProblem(path);
			if (problem)
				throw TornetError.badArgument(`cannot publish ${join(directory, entry.name)}: ${problem}`);
			if (entry.isDirectory()) {
				await visit(join(directory, entry.name), path);
				continue;
			}

			if (files.length >= MAX_FILES)
				throw TornetError.badArgument(`${root} holds more than ${MAX_FILES} files`);
			files.push({absolute: join(directory, entry.name), path});
		}
	};

	await visit(root, '');
	return files;
}
