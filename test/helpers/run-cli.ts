import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const cliPath = fileURLToPath(new URL('../../cli.tsx', import.meta.url));
const tsxArguments = ['--import=tsx', cliPath];

/** Run the real executable to completion; never throws on a non-zero exit. */
export async function runCli(
	args: string[],
	options: {env?: Record<string, string>; timeoutMs?: number} = {},
): Promise<{code: number | null; stdout: string; stdoutBytes: Buffer; stderr: string}> {
	const child = spawn(process.execPath, [...tsxArguments, ...args], {
		env: {...process.env, ...options.env},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const stdout: Buffer[] = [];
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	clearTimeout(timer);
	const stdoutBytes = Buffer.concat(stdout);
	return {code, stdout: stdoutBytes.toString(), stdoutBytes, stderr};
}

/** Start a long-running command (e.g. a node) and resolve once its output matches `ready`. */
export async function startCli(
	args: string[],
	ready: RegExp,
	options: {env?: Record<string, string>} = {},
): Promise<{child: ChildProcess; output: () => string; stop: () => Promise<number | null>}> {
	const child = spawn(process.execPath, [...tsxArguments, ...args], {
		env: {...process.env, ...options.env},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	await new Promise<void>((resolve, reject) => {
		const onData = (chunk: Buffer) => {
			output += chunk.toString();
			if (ready.test(output)) resolve();
		};

		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', (code) => {
			reject(new Error(`exited with ${code} before it was ready:\n${output}`));
		});
	});
	return {
		child,
		output: () => output,
		async stop() {
			if (child.exitCode !== null) return child.exitCode;
			const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			return exited;
		},
	};
}

type Teardown = {teardown(fn: () => Promise<unknown>): void};

/**
 * `tornet start --headless` on loopback with an OS-chosen port, stopped at teardown; resolves with
 * the address it listens on once its output matches `ready` (by default, the listening line).
 */
export async function startNode(
	t: Teardown,
	dataDir: string,
	extraArgs: string[] = [],
	ready = /listening on \S+\s/,
): Promise<Awaited<ReturnType<typeof startCli>> & {address: string}> {
	const node = await startCli(
		['start', '--headless', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', ...extraArgs],
		ready,
	);
	t.teardown(async () => node.stop());
	const match = /listening on (\S+)/.exec(node.output());
	if (!match) throw new Error(`no address in:\n${node.output()}`);
	return {...node, address: match[1]};
}
