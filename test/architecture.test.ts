import {readdir, readFile} from 'node:fs/promises';
import {join, relative, resolve, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';

/**
 * The layers of DESIGN.md, lowest first. A file may import from its own layer and any layer below,
 * never above: the architecture stays visible and the network code stays usable on its own.
 */
const LAYERS = [
	['errors.ts', 'util'],
	['identity'],
	['wire'],
	['transport'],
	['rpc'],
	['dht'],
	['chunks'],
	// The HTTP gateway reads content through an interface; the node plugs in network fetching.
	['gateway'],
	['market'],
	// The simulator runs the real DHT, chunk and market code over an in-memory network.
	['sim'],
	['node'],
	['ui'],
	['cli'],
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'source');

function layerOf(file: string): number {
	const top = relative(source, file).split(/[/\\]/)[0]!;
	const index = LAYERS.findIndex((names) => names.includes(top));
	return index;
}

async function sourceFiles(directory: string): Promise<string[]> {
	const entries = await readdir(directory, {withFileTypes: true});
	const files = await Promise.all(
		entries.map(async (entry) => {
			const path = join(directory, entry.name);
			if (entry.isDirectory()) return sourceFiles(path);
			return /\.tsx?$/.test(entry.name) ? [path] : [];
		}),
	);
	return files.flat();
}

test('every source file belongs to a layer', async (t) => {
	for (const file of await sourceFiles(source)) {
		t.not(layerOf(file), -1, `${relative(root, file)} is in no layer of DESIGN.md`);
	}
});

function upwardImports(files: Array<{path: string; text: string}>): string[] {
	const violations: string[] = [];
	for (const {path, text} of files) {
		for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
			const target = resolve(dirname(path), match[1]!);
			if (!target.startsWith(source)) continue;
			if (layerOf(target) > layerOf(path))
				violations.push(`${relative(root, path)} imports ${relative(root, target)}`);
		}
	}

	return violations;
}

test('imports point down the layers only', async (t) => {
	const files = await Promise.all(
		(await sourceFiles(source)).map(async (path) => ({path, text: await readFile(path, 'utf8')})),
	);
	t.deepEqual(upwardImports(files), []);
});

test('the check catches an upward import and allows a downward one', (t) => {
	const wire = join(source, 'wire', 'example.ts');
	const ui = join(source, 'ui', 'Example.tsx');
	t.deepEqual(upwardImports([{path: ui, text: "import {Session} from '../wire/session.js';"}]), []);
	t.is(upwardImports([{path: wire, text: "import {App} from '../ui/App.js';"}]).length, 1);
});
