/**
 * Two peers' markets in one process, each on its own LevelDB, trading as fast as they can:
 * transfers both ways (recorded by the debtor first or by the creditor first), cheques and
 * allowances. test/market/crash.test.ts kills this process with SIGKILL at random moments.
 * argv: dirA dirB seedA seedB
 */
import {randomBytes} from 'node:crypto';
import {ClassicLevel} from 'classic-level';
import {isTornetError} from '../../source/errors.js';
import {keyPairFromSeed, makeIdentity} from '../../source/identity/keys.js';
import {directLink, peerOf} from '../../source/market/direct-link.js';
import {LevelStore} from '../../source/market/ledger-store.js';
import {Market} from '../../source/market/market.js';
import {ORIGINAL_LINES} from './fixture.js';

export const CRASH_SETTINGS = {
	...ORIGINAL_LINES,
	lineBytesPerRank: 1000,
	lineBits: 1,
	requestFee: 100n,
	allowancePerSecond: 100_000n,
	chequesPerMinute: 6000,
};

export async function openPair(dirA: string, dirB: string, seedA: string, seedB: string) {
	const open = async (dir: string, seed: string) => {
		const db = new ClassicLevel<string, string>(dir);
		await db.open();
		const identity = makeIdentity(keyPairFromSeed(Buffer.from(seed, 'hex')), Buffer.alloc(8), 6);
		return {
			db,
			market: new Market({identity, store: new LevelStore(db), settings: CRASH_SETTINGS}),
		};
	};

	return {a: await open(dirA, seedA), b: await open(dirB, seedB)};
}

async function transfer(server: Market, client: Market, debtorFirst: boolean): Promise<void> {
	const eventId = `t-${randomBytes(8).toString('hex')}`;
	const reservation = await server.prepareServe(peerOf(client.identity), {
		eventId,
		reason: 'request',
	});
	const record = async () =>
		client.ledger.apply(server.identity.id.toString('hex'), {
			id: eventId,
			kind: 'used',
			amount: reservation.amount,
			reason: 'request',
		});
	if (debtorFirst) await record();
	await server.commit(reservation, {reason: 'request'});
	if (!debtorFirst) await record();
}

/** One random trade between the two markets. */
async function trade(a: Market, b: Market): Promise<void> {
	const roll = Math.random();
	const [server, client] = Math.random() < 0.5 ? [a, b] : [b, a];
	try {
		if (roll < 0.8) await transfer(server, client, Math.random() < 0.5);
		else if (roll < 0.93) await client.settle(directLink(server, client.identity), 'cheque');
		else await client.settle(directLink(server, client.identity), 'allowance');
	} catch (error) {
		// Lines run out, cheque limits are reached, debts are zero: all part of trading.
		if (!isTornetError(error)) throw error;
		if (isTornetError(error, 'PAYMENT_REQUIRED'))
			await client.settle(directLink(server, client.identity)).catch(() => undefined);
	}
}

if (process.argv[1]?.endsWith('crash-child.ts')) {
	const [dirA, dirB, seedA, seedB] = process.argv.slice(2);
	const {a, b} = await openPair(dirA, dirB, seedA, seedB);
	let ops = 0;
	setInterval(() => {
		process.stdout.write(`ops ${ops}\n`);
	}, 20).unref();
	process.stdout.write('ready\n');
	await Promise.all(
		Array.from({length: 4}, async () => {
			for (;;) {
				await trade(a.market, b.market);
				ops++;
			}
		}),
	);
}
