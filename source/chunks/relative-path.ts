/**
 * Paths inside a file description come from strangers and end up joined to a directory on our
 * disk, so they are checked like hostile input: relative, '/'-separated, no empty, '.' or '..'
 * segment (no traversal), no backslash (a separator elsewhere), no control characters (NUL cuts
 * paths in C; escapes would paint the terminal when we print a name).
 */
export const MAX_SEGMENT_BYTES = 255; // NAME_MAX on Linux and most file systems
export const MAX_PATH_BYTES = 4096; // PATH_MAX

const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

export function segmentProblem(segment: string): string | undefined {
	if (segment.length === 0) return 'empty name';
	if (segment === '.' || segment === '..') return `name ${JSON.stringify(segment)}`;
	if (segment.includes('/')) return 'name contains "/"';
	if (FORBIDDEN.test(segment)) return 'name contains a control character or backslash';
	if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
		return `name longer than ${MAX_SEGMENT_BYTES} bytes`;
	return undefined;
}

/** Why `path` is not a safe relative path, or undefined when it is. */
export function relativePathProblem(path: string): string | undefined {
	if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `path longer than ${MAX_PATH_BYTES} bytes`;
	if (path.startsWith('/')) return 'absolute path';
	for (const segment of path.split('/')) {
		const problem = segmentProblem(segment);
		if (problem) return `${problem} in path ${JSON.stringify(path)}`;
	}

	return undefined;
}

/** Every proper ancestor directory of a relative path: 'a/b/c' → 'a', 'a/b'. */
export function* ancestors(path: string): Generator<string> {
	let index = path.indexOf('/');
	while (index !== -1) {
		yield path.slice(0, index);
		index = path.indexOf('/', index + 1);
	}
}
