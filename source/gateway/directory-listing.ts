import type {FileDescription, FileEntry} from '../chunks/file-description.js';

/**
 * A description lists files by path; directories exist only as their prefixes. These answer what
 * a URL path names: a file, a directory (some file lies beneath it), or nothing.
 */
export type Listing = {directories: string[]; files: FileEntry[]};

export function findFile(description: FileDescription, path: string): FileEntry | undefined {
	return description.files.find((entry) => entry.path === path);
}

/** '' is the root of a directory description; a file description has no directories. */
export function isDirectory(description: FileDescription, path: string): boolean {
	if (description.kind !== 'directory') return false;
	if (path === '') return true;
	const prefix = path + '/';
	return description.files.some((entry) => entry.path.startsWith(prefix));
}

/** The immediate children of a directory, sorted by name (code unit order, like the files). */
export function listDirectory(description: FileDescription, path: string): Listing {
	const prefix = path === '' ? '' : path + '/';
	const directories = new Set<string>();
	const files: FileEntry[] = [];
	for (const entry of description.files) {
		if (!entry.path.startsWith(prefix)) continue;
		const rest = entry.path.slice(prefix.length);
		const slash = rest.indexOf('/');
		if (slash === -1) files.push(entry);
		else directories.add(rest.slice(0, slash));
	}

	const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
	return {
		directories: [...directories].sort(byName),
		files: files.sort((a, b) => byName(a.path, b.path)),
	};
}
