import test from 'ava';
import {readCorpus} from './corpus.js';
import {replay, runTarget, type Crash} from './engine.js';
import {TARGETS} from './targets/index.js';

/**
 * Every crashing input the fuzzer ever saved (test/fuzz/corpus/<target>/*.bin) must now pass its
 * target, and a short fixed-seed run of every target must find nothing: CI catches a decoder that
 * regresses without waiting for `npm run fuzz`.
 */
const INPUTS_PER_TARGET = 2000;
const SEED = 0x5eed;
const corpus = readCorpus();

function report(crashes: Crash[]): string {
	return crashes
		.slice(0, 3)
		.map((crash) => `${Buffer.from(crash.input).toString('hex').slice(0, 200)}\n${crash.error}`)
		.join('\n\n');
}

test('every corpus file belongs to a target', (t) => {
	const names = new Set(TARGETS.map((target) => target.name));
	t.deepEqual(
		corpus.filter((entry) => !names.has(entry.target)).map((entry) => entry.file),
		[],
	);
});

for (const target of TARGETS) {
	test.serial(`${target.name}: saved inputs and a short run do not crash`, async (t) => {
		const saved = corpus.filter((entry) => entry.target === target.name);
		const replayed = await replay(
			target,
			saved.map((entry) => entry.input),
		);
		t.deepEqual(replayed.length, 0, `corpus inputs crash again:\n${report(replayed)}`);
		const found: Crash[] = [];
		const inputs = Math.max(100, Math.round(INPUTS_PER_TARGET * (target.weight ?? 1)));
		const result = await runTarget(target, {
			inputs,
			seed: SEED,
			onCrash(crash) {
				found.push(crash);
			},
		});
		t.is(result.inputs, inputs);
		t.is(
			result.crashes,
			0,
			`new crashes (run npm run fuzz -- --target ${target.name}):\n${report(found)}`,
		);
		t.log(`${saved.length} saved, ${inputs} fuzzed in ${result.seconds.toFixed(2)} s`);
	});
}
