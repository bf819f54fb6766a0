import {existsSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {writeNewFileDurably} from '../../source/chunks/durable-write.js';
import {CHUNK_BYTES} from '../../source/chunks/slices.js';
import {patternBytes, temporaryDirectory} from './store-fixture.js';

async function isExt4(path: string): Promise<boolean> {
	const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
	let best = {point: '', type: ''};
	for (const line of mounts.split('\n')) {
		const [, point = '', type = ''] = line.split(' ');
		if (path.startsWith(point) && point.length > best.point.length) best = {point, type};
	}

	return best.type === 'ext4';
}

const SIZES = [1, 511, 512, 4095, 4097, 65_537, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 5];

test('files of any size are written exactly, direct (padded, truncated back) or buffered', async (t) => {
	const directory = await temporaryDirectory(t);
	await Promise.all(
		SIZES.map(async (size) => {
			const body = patternBytes(size, size);
			const path = join(directory, `f${size}`);
			const way = await writeNewFileDurably(path, body);
			t.true((await readFile(path)).equals(body), `size ${size}`);
			// /tmp on this machine is ext4: the direct path is the one under test.
			if (size <= CHUNK_BYTES && (await isExt4(directory))) t.is(way, 'direct');
			const fallback = join(directory, `buffered${size}`);
			t.is(await writeNewFileDurably(fallback, body, {buffered: true}), 'buffered');
			t.true((await readFile(fallback)).equals(body), `buffered size ${size}`);
		}),
	);
});

test('an existing file is never overwritten, and a failed write leaves nothing', async (t) => {
	const directory = await temporaryDirectory(t);
	const path = join(directory, 'taken');
	await writeFile(path, 'mine');
	await t.throwsAsync(writeNewFileDurably(path, Buffer.from('theirs')), {code: 'EEXIST'});
	await t.throwsAsync(writeNewFileDurably(path, Buffer.from('theirs'), {buffered: true}), {
		code: 'EEXIST',
	});
	t.is(await readFile(path, 'utf8'), 'mine');
	await t.throwsAsync(writeNewFileDurably(join(directory, 'missing', 'x'), Buffer.from('x')), {
		code: 'ENOENT',
	});
	t.false(existsSync(join(directory, 'missing')));
});
