import {stat} from 'node:fs/promises';
import {join} from 'node:path';
import {ClassicLevel} from 'classic-level';
import {
	bodyPath,
	diskCost,
	FANOUT,
	fanoutName,
	ID_HEX,
	listNames,
	partialPath,
	removeFile,
	type StoreLayout,
} from './store-layout.js';
import {
	chunkRange,
	CLEAN_KEY,
	decodeClean,
	decodeEntry,
	decodePartial,
	idOfKey,
	partialRange,
} from './store-index.js';

export type Db = ClassicLevel<Buffer, Buffer>;

/**
 * Opens the index. After a clean close the counters come from the clean record, which is deleted
 * (durably, before any write) so that a crash from then on triggers recovery at the next open;
 * otherwise recovery runs now.
 */
export async function openIndex(
	layout: StoreLayout,
): Promise<{db: Db; counters: {bytes: number; chunks: number}; report?: RecoveryReport}> {
	const db: Db = new ClassicLevel<Buffer, Buffer>(layout.index, {
		keyEncoding: 'buffer',
		valueEncoding: 'buffer',
	});
	await db.open();
	const value = await db.get(CLEAN_KEY);
	const clean = value && decodeClean(value);
	if (clean) {
		await db.del(CLEAN_KEY, {sync: true});
		return {db, counters: clean};
	}

	const report = await recoverStore(db, layout);
	return {db, counters: report, report};
}

export type RecoveryReport = {
	/** Disk cost of the bodies and partial downloads kept. */
	bytes: number;
	chunks: number;
	/** Index records dropped because their body was missing, the wrong size or the record damaged. */
	dropped: number;
	/** Body files with no index record (written just before a crash), deleted. */
	orphans: number;
};

async function sizeOf(path: string): Promise<number | undefined> {
	try {
		return (await stat(path)).size;
	} catch {
		return undefined;
	}
}

/**
 * Makes the index and the bodies agree after an unclean stop: every record has a body of the
 * right size, every body has a record. One fan-out directory at a time, merged with the index
 * range of the same first byte, so memory is bounded by one directory listing. Content corruption
 * (bit rot) is not looked for here, which would read every byte; every read verifies instead.
 */
export async function recoverStore(db: Db, layout: StoreLayout): Promise<RecoveryReport> {
	const report: RecoveryReport = {bytes: 0, chunks: 0, dropped: 0, orphans: 0};
	for (let byte = 0; byte < FANOUT; byte++) {
		const directory = join(layout.root, fanoutName(byte));
		const names = new Set((await listNames(directory)).filter((name) => ID_HEX.test(name)));
		const drops: Buffer[] = [];
		const checks: Array<Promise<void>> = [];
		for await (const [key, value] of db.iterator(chunkRange(byte))) {
			const id = idOfKey(key);
			const entry = decodeEntry(value);
			const hex = id?.toString('hex');
			if (!id || !entry || !hex || !names.has(hex)) {
				drops.push(key);
				continue;
			}

			names.delete(hex);
			checks.push(
				sizeOf(bodyPath(layout, id)).then(async (size) => {
					if (size === entry.size) {
						report.bytes += diskCost(entry.size);
						report.chunks++;
						return;
					}

					drops.push(key);
					await removeFile(bodyPath(layout, id));
				}),
			);
		}

		await Promise.all(checks);
		for (const name of names) await removeFile(join(directory, name));
		report.orphans += names.size;
		report.dropped += drops.length;
		if (drops.length > 0) await db.batch(drops.map((key) => ({type: 'del' as const, key})));
	}

	report.bytes += await recoverPartials(db, layout);
	return report;
}

/** Keeps partial downloads whose file and record both exist; returns their reserved bytes. */
async function recoverPartials(db: Db, layout: StoreLayout): Promise<number> {
	const names = new Set((await listNames(layout.partial)).filter((name) => ID_HEX.test(name)));
	const drops: Buffer[] = [];
	let bytes = 0;
	for await (const [key, value] of db.iterator(partialRange())) {
		const id = idOfKey(key);
		const entry = decodePartial(value);
		const hex = id?.toString('hex');
		if (!id || !entry || !hex || !names.has(hex)) {
			drops.push(key);
			continue;
		}

		names.delete(hex);
		bytes += diskCost(entry.size);
	}

	for (const name of names) await removeFile(partialPath(layout, Buffer.from(name, 'hex')));
	if (drops.length > 0) await db.batch(drops.map((key) => ({type: 'del' as const, key})));
	return bytes;
}
