import {isTornetError} from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
	override name = 'UsageError';
}

/**
 * Run a command and turn the failures a user can cause into one line and an exit code. Anything
 * else is a bug in tornet and keeps its stack trace.
 */
export async function runCommand(name: string, command: () => Promise<number>): Promise<number> {
	try {
		return await command();
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`tornet ${name}: ${error.message}\nRun \`tornet --help\` for usage.\n`);
			return EXIT_USAGE;
		}

		if (isTornetError(error)) {
			const usage = error.code === 'BAD_ADDRESS' || error.code === 'BAD_ARGUMENT';
			process.stderr.write(`tornet ${name}: ${error.message}\n`);
			return usage ? EXIT_USAGE : EXIT_FAILURE;
		}

		throw error;
	}
}
