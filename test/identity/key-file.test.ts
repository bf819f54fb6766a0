import {mkdtemp, readFile, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {keyFilePath, loadOrCreateIdentity, saveIdentity} from '../../source/identity/key-file.js';
import {nonceFromCounter, rankOf} from '../../source/identity/rank.js';
import {isTornetError} from '../../source/errors.js';

test('the key file is created once, owner-only, and reloads the same identity', async (t) => {
	const dir = await mkdtemp(join(tmpdir(), 'tornet-key-'));
	const first = await loadOrCreateIdentity(dir);
	t.true(first.created);
	t.is((await stat(keyFilePath(dir))).mode & 0o777, 0o600);
	const second = await loadOrCreateIdentity(dir);
	t.false(second.created);
	t.deepEqual(second.identity.id, first.identity.id);
	t.deepEqual(second.identity.publicKey, first.identity.publicKey);
});

test('a saved nonce and search cursor survive a reload', async (t) => {
	const dir = await mkdtemp(join(tmpdir(), 'tornet-key-'));
	const {identity} = await loadOrCreateIdentity(dir);
	const nonce = nonceFromCounter(12_345n);
	await saveIdentity(dir, {...identity, nonce, rank: rankOf(identity.publicKey, nonce)}, 99_999n);
	const reloaded = await loadOrCreateIdentity(dir);
	t.deepEqual(reloaded.identity.nonce, nonce);
	t.is(reloaded.identity.rank, rankOf(identity.publicKey, nonce));
	t.is(reloaded.searched, 99_999n);
});

test('a corrupt key file is a BAD_KEY_FILE error, not a new identity', async (t) => {
	const dir = await mkdtemp(join(tmpdir(), 'tornet-key-'));
	await writeFile(keyFilePath(dir), '{"version":1,"seed":"zz"}');
	const error = await t.throwsAsync(loadOrCreateIdentity(dir));
	t.true(isTornetError(error, 'BAD_KEY_FILE'));
	t.is(
		await readFile(keyFilePath(dir), 'utf8'),
		'{"version":1,"seed":"zz"}',
		'the bad file is left for the operator',
	);
});
