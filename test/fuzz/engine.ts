import {setImmediate as yieldToLoop} from 'node:timers/promises';
import {mutate, type MutationContext} from './mutate.js';
import {Random} from './random.js';
import type {TargetSpec} from './target.js';

export type Crash = {target: string; input: Uint8Array; error: string};

export type TargetResult = {inputs: number; crashes: number; seconds: number};

export type EngineOptions = {
	inputs: number;
	seed: number;
	/** Called for each crashing input (the run goes on). */
	onCrash?(crash: Crash): void;
	/** Called before each input: the hang watchdog keeps a copy of the input being run. */
	onInput?(input: Uint8Array, index: number): void;
};

/** Inputs between yields to the event loop: lets timers and flushes the inputs caused run. */
const YIELD_EVERY = 256;
const DEFAULT_MAX_BYTES = 4096;
/** Share of inputs made of random bytes instead of a mutated seed: the shallow end still counts. */
const RANDOM_SHARE = 0.05;

/**
 * Runs one target: first its seeds as they are (valid inputs must round-trip), then mutations of
 * them. Errors thrown asynchronously by what an input set in motion (an unhandled rejection, an
 * exception in a timer) reach the process handlers of the caller, which charges them to the target
 * then running (see worker.ts).
 */
export async function runTarget(spec: TargetSpec, options: EngineOptions): Promise<TargetResult> {
	const started = performance.now();
	const random = new Random(options.seed ^ hashName(spec.name));
	const fuzzCase = await spec.create(random);
	const context: MutationContext = {
		random,
		seeds: fuzzCase.seeds,
		dictionary: fuzzCase.dictionary ?? [],
		maxBytes: fuzzCase.maxBytes ?? DEFAULT_MAX_BYTES,
	};
	let crashes = 0;
	let index = 0;
	try {
		for (; index < options.inputs; index++) {
			const input = nextInput(index, fuzzCase.seeds, context);
			options.onInput?.(input, index);
			try {
				// eslint-disable-next-line no-await-in-loop -- inputs run one at a time, in order
				await fuzzCase.run(input);
			} catch (error) {
				crashes++;
				options.onCrash?.({target: spec.name, input, error: describe(error)});
			}

			// eslint-disable-next-line no-await-in-loop
			if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
		}
	} finally {
		await fuzzCase.close?.();
	}

	return {inputs: index, crashes, seconds: (performance.now() - started) / 1000};
}

function nextInput(
	index: number,
	seeds: readonly Uint8Array[],
	context: MutationContext,
): Uint8Array {
	const {random} = context;
	if (index < seeds.length) return seeds[index];
	if (seeds.length === 0 || random.chance(RANDOM_SHARE))
		return random.bytes(random.smallLength(Math.min(context.maxBytes, 1500)));
	return mutate(random.pick(seeds), context);
}

export function describe(error: unknown): string {
	if (error instanceof Error)
		return (error.stack ?? `${error.name}: ${error.message}`).split('\n').slice(0, 6).join('\n');
	return String(error);
}

/** FNV-1a of the name, so each target draws its own sequence from one --seed. */
function hashName(name: string): number {
	let hash = 0x81_1c_9d_c5;
	for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01_00_01_93);
	return hash >>> 0;
}

/** Runs saved inputs through a fresh case of the target; returns the ones that still crash. */
export async function replay(spec: TargetSpec, inputs: readonly Uint8Array[]): Promise<Crash[]> {
	const fuzzCase = await spec.create(new Random(1));
	const crashes: Crash[] = [];
	try {
		for (const input of inputs) {
			try {
				// eslint-disable-next-line no-await-in-loop
				await fuzzCase.run(input);
			} catch (error) {
				crashes.push({target: spec.name, input, error: describe(error)});
			}
		}
	} finally {
		await fuzzCase.close?.();
	}

	return crashes;
}
