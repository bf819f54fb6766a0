import {availableParallelism} from 'node:os';
import {relative} from 'node:path';
import {parseArgs} from 'node:util';
import {Worker} from 'node:worker_threads';
import {saveInput} from './corpus.js';
import {TARGETS} from './targets/index.js';
import type {WorkerJob, WorkerMessage} from './worker.js';

/**
 * `npm run fuzz -- [--inputs N] [--seed S] [--target a,b] [--jobs J] [--json]`
 *
 * Spreads N inputs (default 1,000,000) over the targets by weight, runs them on J worker threads,
 * saves every crashing input to test/fuzz/corpus/<target>/<hash>.bin and prints it. A target that
 * makes no progress for --hang-ms is a hang: its current input is saved and the thread replaced.
 * With --json the last line is one JSON object. Exit status 1 when anything crashed.
 */
const usage = `Usage: npm run fuzz -- [options]
  --inputs N     total inputs over all targets (default 1000000)
  --seed S       seed of the mutation sequence (default: random, printed)
  --target LIST  comma-separated target names (default: all; --list shows them)
  --jobs J       worker threads (default: min(2, cores))
  --hang-ms MS   no progress for this long is a hang (default 10000)
  --json         print one JSON object as the last line
  --list         list the targets and exit`;

const SHARED_BYTES = 8 + 256 * 1024; // counter, length, and room for the largest input
const MAX_PRINTED_PER_TARGET = 3;
const root = new URL('../../', import.meta.url).pathname;

let options: {
	inputs: number;
	seed: number;
	targets: string[];
	jobs: number;
	hangMs: number;
	json: boolean;
};
try {
	const {values} = parseArgs({
		options: {
			inputs: {type: 'string'},
			seed: {type: 'string'},
			target: {type: 'string', multiple: true},
			jobs: {type: 'string'},
			'hang-ms': {type: 'string'},
			json: {type: 'boolean'},
			list: {type: 'boolean'},
			help: {type: 'boolean'},
		},
	});
	if (values.help) {
		console.log(usage);
		process.exit(0);
	}

	if (values.list) {
		for (const target of TARGETS) console.log(`${target.name.padEnd(30)} ${target.about}`);
		process.exit(0);
	}

	const number = (text: string | undefined, fallback: number) => {
		if (text === undefined) return fallback;
		const value = Number(text.replaceAll('_', ''));
		if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a count: ${text}`);
		return value;
	};

	const targets = (values.target ?? []).flatMap((list) => list.split(',')).filter(Boolean);
	for (const name of targets)
		if (!TARGETS.some((target) => target.name === name))
			throw new Error(`no target ${name} (see --list)`);
	options = {
		inputs: number(values.inputs, 1_000_000),
		seed: number(values.seed, Math.floor(Math.random() * 2 ** 31)),
		targets: targets.length > 0 ? targets : TARGETS.map((target) => target.name),
		jobs: Math.max(1, number(values.jobs, Math.min(2, availableParallelism()))),
		hangMs: number(values['hang-ms'], 10_000),
		json: values.json ?? false,
	};
} catch (error) {
	console.error(`${(error as Error).message}\n\n${usage}`);
	process.exit(2);
}

type Tally = {inputs: number; crashes: number; seconds: number};
const tallies = new Map<string, Tally>();
const printed = new Map<string, number>();
const failures: string[] = [];

/** Inputs per target, in proportion to weight, rounded up: the total is at least --inputs. */
function budget(): WorkerJob[] {
	const specs = TARGETS.filter((target) => options.targets.includes(target.name));
	const total = specs.reduce((sum, spec) => sum + (spec.weight ?? 1), 0);
	return specs.map((spec) => ({
		target: spec.name,
		inputs: Math.max(1, Math.ceil((options.inputs * (spec.weight ?? 1)) / total)),
		seed: options.seed,
	}));
}

function log(line: string): void {
	// Progress goes to stderr with --json, so stdout's last line stays the JSON object.
	if (options.json) console.error(line);
	else console.log(line);
}

function recordCrash(target: string, input: Uint8Array, error: string): void {
	const path = relative(root, saveInput(target, input));
	const count = (printed.get(target) ?? 0) + 1;
	printed.set(target, count);
	if (count <= MAX_PRINTED_PER_TARGET) {
		const hex = Buffer.from(input).toString('hex');
		log(
			`CRASH ${target}: ${path}\n  input (${input.length} bytes): ${hex.slice(0, 160)}${hex.length > 160 ? '…' : ''}\n  ${error.split('\n').join('\n  ')}`,
		);
	} else if (count === MAX_PRINTED_PER_TARGET + 1) {
		log(`CRASH ${target}: more crashes, not printed (see test/fuzz/corpus/${target}/)`);
	}
}

function spawn(shared: SharedArrayBuffer): Worker {
	const body = JSON.stringify(new URL('worker.ts', import.meta.url).href);
	const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
	// On Node 20 tsx registers its loader in the main thread only: the worker registers it first.
	const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${body}); })`;
	return new Worker(bootstrap, {eval: true, workerData: {shared}});
}

/** One lane: a worker thread taking jobs from the queue until it is empty. */
async function lane(queue: WorkerJob[]): Promise<void> {
	const shared = new SharedArrayBuffer(SHARED_BYTES);
	const header = new Int32Array(shared, 0, 2);
	Atomics.store(header, 1, -1); // Before any input, trouble is the harness's (see worker.ts).
	let worker = spawn(shared);
	for (let job = queue.shift(); job; job = queue.shift()) {
		const current = job;
		tallies.set(current.target, {inputs: 0, crashes: 0, seconds: 0});
		const started = performance.now();
		// eslint-disable-next-line no-await-in-loop -- one job at a time per lane
		const hung = await new Promise<boolean>((resolve) => {
			let lastCount = Atomics.load(header, 0);
			let lastChange = performance.now();
			const watchdog = setInterval(() => {
				const count = Atomics.load(header, 0);
				if (count !== lastCount) {
					lastCount = count;
					lastChange = performance.now();
				} else if (performance.now() - lastChange > options.hangMs) {
					finish(true);
				}
			}, 250);
			const onMessage = (message: WorkerMessage) => {
				if (message.type === 'crash') {
					const tally = tallies.get(message.target);
					if (tally && message.target !== current.target) tally.crashes++;
					recordCrash(message.target, message.input, message.error);
					return;
				}

				if (message.type === 'setup-error') {
					failures.push(`${message.target}: during setup: ${message.error}`);
					return;
				}

				if (message.target !== current.target) return;
				if (message.type === 'failed') failures.push(`${message.target}: ${message.error}`);
				else
					tallies.set(current.target, {
						inputs: message.inputs,
						crashes: message.crashes,
						seconds: message.seconds,
					});
				finish(false);
			};

			const onError = (error: Error) => {
				failures.push(`${current.target}: worker died: ${error.message}`);
				finish(true);
			};

			function finish(isHang: boolean) {
				clearInterval(watchdog);
				worker.off('message', onMessage);
				worker.off('error', onError);
				resolve(isHang);
			}

			worker.on('message', onMessage);
			worker.on('error', onError);
			worker.postMessage(current);
		});
		if (hung) {
			const length = Atomics.load(header, 1);
			const count = Atomics.load(header, 0);
			const seconds = (performance.now() - started) / 1000;
			if (length < 0) {
				// It never got to an input: the harness's setup is stuck, not a decoder.
				failures.push(`${current.target}: setup made no progress for ${options.hangMs} ms`);
				tallies.set(current.target, {inputs: 0, crashes: 0, seconds});
			} else {
				const input = new Uint8Array(shared, 8, length).slice();
				recordCrash(current.target, input, `hang: no progress for ${options.hangMs} ms`);
				tallies.set(current.target, {inputs: count, crashes: 1, seconds});
			}

			// eslint-disable-next-line no-await-in-loop
			await worker.terminate();
			Atomics.store(header, 0, 0);
			worker = spawn(shared);
		} else {
			Atomics.store(header, 0, 0);
		}

		const tally = tallies.get(current.target)!;
		log(
			`${current.target.padEnd(30)} ${String(tally.inputs).padStart(9)} inputs ${String(tally.crashes).padStart(4)} crashes ${tally.seconds.toFixed(1).padStart(6)} s`,
		);
	}

	await worker.terminate();
}

const started = performance.now();
const jobs = budget();
log(
	`fuzzing ${jobs.length} targets, ${options.inputs} inputs, seed ${options.seed}, ${options.jobs} threads`,
);
const queue = [...jobs];
await Promise.all(
	Array.from({length: Math.min(options.jobs, jobs.length)}, async () => lane(queue)),
);
const seconds = (performance.now() - started) / 1000;
let inputs = 0;
let crashes = 0;
const targets: Record<string, {inputs: number; crashes: number}> = {};
for (const job of jobs) {
	const tally = tallies.get(job.target) ?? {inputs: 0, crashes: 0, seconds: 0};
	inputs += tally.inputs;
	crashes += tally.crashes;
	targets[job.target] = {inputs: tally.inputs, crashes: tally.crashes};
}

log(
	`\n${inputs} inputs, ${crashes} crashes, ${failures.length} harness failures, ${seconds.toFixed(1)} s (${Math.round(inputs / seconds)} inputs/s), seed ${options.seed}`,
);
for (const failure of failures) log(`HARNESS FAILURE ${failure}`);
if (options.json)
	console.log(
		JSON.stringify({
			inputs,
			crashes,
			targets,
			seconds: Number(seconds.toFixed(1)),
			seed: options.seed,
			failures: failures.length,
		}),
	);
process.exitCode = crashes > 0 || failures.length > 0 ? 1 : 0;
