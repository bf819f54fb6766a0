import {TornetError} from '../errors.js';

/**
 * Turns a file-system error about a user's path into the one-line TornetError a command prints:
 * a missing path is NOT_FOUND, one we may not read or that has the wrong type is BAD_ARGUMENT,
 * a full disk is DISK_FULL. Anything else is unexpected and keeps its stack.
 */
export function fileError(path: string, error: unknown): unknown {
	if (error instanceof TornetError) return error;
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	switch (code) {
		case 'ENOENT': {
			return TornetError.notFound(path);
		}

		case 'EACCES':
		case 'EPERM': {
			return TornetError.badArgument(`${path}: permission denied`);
		}

		case 'EISDIR':
		case 'ENOTDIR':
		case 'ELOOP':
		case 'EEXIST':
		case 'ENAMETOOLONG': {
			return TornetError.badArgument(`${path}: ${(error as Error).message}`);
		}

		case 'ENOSPC':
		case 'EDQUOT': {
			return new TornetError('DISK_FULL', `${path}: no space left on the device`);
		}

		default: {
			return error;
		}
	}
}
