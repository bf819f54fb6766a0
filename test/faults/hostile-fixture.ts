import {createHash, randomBytes} from 'node:crypto';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {TornetNode} from '../../source/node/node.js';

type Teardown = {teardown(fn: () => Promise<void>): void};

/** A scratch directory for content files, removed when the test ends. */
export async function scratch(t: Teardown): Promise<string> {
	const directory = await mkdtemp(join(tmpdir(), 'tornet-hostile-'));
	t.teardown(async () => rm(directory, {recursive: true, force: true}));
	return directory;
}

/** Publishes `bytes` random bytes on `node`; the link and the content's SHA-256. */
export async function publishRandom(node: TornetNode, directory: string, bytes: number) {
	const content = randomBytes(bytes);
	const path = join(directory, `content-${randomBytes(4).toString('hex')}.bin`);
	await writeFile(path, content);
	const {link} = await node.publish(path);
	return {link, sha256: createHash('sha256').update(content).digest('hex')};
}

/** Fetches `link` on `node` and returns the SHA-256 of what it wrote. */
export async function fetchSha(node: TornetNode, directory: string, link: string): Promise<string> {
	const out = join(directory, `out-${randomBytes(4).toString('hex')}.bin`);
	await node.fetch(link, out);
	return createHash('sha256')
		.update(await readFile(out))
		.digest('hex');
}
