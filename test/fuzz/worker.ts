import {parentPort, workerData} from 'node:worker_threads';
import {describe, runTarget} from './engine.js';
import {targetByName} from './targets/index.js';

/**
 * One fuzzing thread. The runner sends it a target at a time; before each input it copies the
 * input into shared memory and bumps a counter, so the runner can tell a hang from slow progress
 * and save the input that hung even after terminating this thread.
 */
export type WorkerJob = {target: string; inputs: number; seed: number};
export type WorkerMessage =
	| {type: 'crash'; target: string; input: Uint8Array; error: string}
	| {type: 'done'; target: string; inputs: number; crashes: number; seconds: number}
	| {type: 'failed'; target: string; error: string}
	| {type: 'setup-error'; target: string; error: string};

const {shared} = workerData as {shared: SharedArrayBuffer};
/** [0] inputs started, [1] length of the current input; its bytes follow at byte 8. */
const header = new Int32Array(shared, 0, 2);
const body = new Uint8Array(shared, 8);
const port = parentPort!;
let current = '';
let asyncCrashes = 0;

function lastInput(): Uint8Array {
	return body.slice(0, Math.max(0, Math.min(Atomics.load(header, 1), body.length)));
}

// Errors that escape an input asynchronously (a rejected promise nobody awaited, a throw in a
// timer a connection set) are crashes of the target running, charged with its latest input.
function asyncCrash(kind: string, error: unknown): void {
	if (Atomics.load(header, 1) < 0) {
		// No input has run yet: the target's setup broke (a bug in the harness or in code
		// under construction), which is not a decoder crash.
		post({type: 'setup-error', target: current, error: `${kind}: ${describe(error)}`});
		return;
	}

	asyncCrashes++;
	post({type: 'crash', target: current, input: lastInput(), error: `${kind}: ${describe(error)}`});
}

process.on('unhandledRejection', (error) => {
	asyncCrash('unhandled rejection', error);
});
process.on('uncaughtException', (error) => {
	asyncCrash('uncaught exception', error);
});

function post(message: WorkerMessage): void {
	port.postMessage(message);
}

port.on('message', async (job: WorkerJob) => {
	const spec = targetByName(job.target);
	current = job.target;
	if (!spec) {
		post({type: 'failed', target: job.target, error: 'no such target'});
		return;
	}

	asyncCrashes = 0;
	Atomics.store(header, 1, -1); // No input yet: a hang now is the target's setup, not an input.
	try {
		const result = await runTarget(spec, {
			inputs: job.inputs,
			seed: job.seed,
			onInput(input) {
				const length = Math.min(input.length, body.length);
				body.set(length === input.length ? input : input.subarray(0, length));
				Atomics.store(header, 1, length);
				Atomics.add(header, 0, 1);
			},
			onCrash(crash) {
				post({
					type: 'crash',
					target: crash.target,
					input: Uint8Array.from(crash.input),
					error: crash.error,
				});
			},
		});
		post({type: 'done', target: job.target, ...result, crashes: result.crashes + asyncCrashes});
	} catch (error) {
		// The target's own setup failed: a harness bug, reported apart from crashes.
		post({type: 'failed', target: job.target, error: describe(error)});
	}
});
