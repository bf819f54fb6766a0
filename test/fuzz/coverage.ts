import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/**
 * `npx tsx test/fuzz/coverage.ts [run.ts options]`: runs the fuzzer under V8's precise block
 * coverage (NODE_V8_COVERAGE, worker threads included) and prints, per file of source/ that it
 * loaded, the share of code bytes in blocks that ran. The fuzzer is not coverage-guided; this
 * shows how far mutation of valid encodings reaches. Bytes are those of the transpiled module
 * (types stripped, inline source map excluded), so figures are close to, not equal to, lines.
 */
type Range = {startOffset: number; endOffset: number; count: number};
type Script = {url: string; functions: Array<{ranges: Range[]}>};

const directory = mkdtempSync(join(tmpdir(), 'tornet-coverage-'));
const run = spawnSync(
	process.execPath,
	['--import=tsx', new URL('run.ts', import.meta.url).pathname, ...process.argv.slice(2)],
	{
		env: {...process.env, NODE_V8_COVERAGE: directory},
		stdio: ['ignore', 'inherit', 'inherit'],
	},
);
const root = new URL('../../', import.meta.url).href;
/** Per module: 1 = ran, 0 = did not, -1 = no code (the source map comment). Merged over threads. */
const files = new Map<string, Int8Array>();
for (const name of readdirSync(directory)) {
	const {result} = JSON.parse(readFileSync(join(directory, name), 'utf8')) as {result: Script[]};
	for (const script of result) {
		const url = script.url.replace(/\?.*$/, '');
		if (!url.startsWith(`${root}source/`)) continue;
		let end = 0;
		for (const fn of script.functions)
			for (const range of fn.ranges) end = Math.max(end, range.endOffset);
		// Ranges come outermost first; an inner block overrides its enclosing function's count.
		const ran = new Int8Array(end).fill(-1);
		for (const fn of script.functions)
			for (const range of fn.ranges)
				ran.fill(range.count > 0 ? 1 : 0, range.startOffset, range.endOffset);
		const file = url.slice(root.length);
		const known = files.get(file);
		if (!known) {
			files.set(file, ran);
			continue;
		}

		for (let i = 0; i < Math.min(known.length, ran.length); i++) if (ran[i] === 1) known[i] = 1;
	}
}

rmSync(directory, {recursive: true, force: true});
console.log(
	'\nblock coverage of the source files the fuzzer loaded (bytes of code in blocks that ran)',
);
for (const [file, ran] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
	let code = 0;
	let covered = 0;
	for (const value of ran) {
		if (value < 0) continue;
		code++;
		if (value === 1) covered++;
	}

	console.log(`${file.padEnd(48)} ${((100 * covered) / code).toFixed(0).padStart(4)}%`);
}

process.exitCode = run.status ?? 1;
