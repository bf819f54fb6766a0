import {randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ClassicLevel} from 'classic-level';
import {generateKeyPair, type Identity, makeIdentity} from '../../source/identity/keys.js';
import {peerOf} from '../../source/market/direct-link.js';
import {Market, type MarketOptions} from '../../source/market/market.js';
import {LevelStore} from '../../source/market/ledger-store.js';

type Teardown = {teardown(fn: () => Promise<void>): void};

/** A classic-level database in a temporary directory, closed and removed after the test. */
export async function tempDb(
	t: Teardown,
): Promise<{db: ClassicLevel<string, string>; path: string}> {
	const path = await mkdtemp(join(tmpdir(), 'tornet-market-'));
	const db = new ClassicLevel<string, string>(path);
	await db.open();
	t.teardown(async () => {
		await db.close();
		await rm(path, {recursive: true, force: true});
	});
	return {db, path};
}

/** An identity that claims `rank` (the market trusts the rank the handshake verified). */
export function identity(rank: number): Identity {
	return makeIdentity(generateKeyPair(), Buffer.alloc(8), rank);
}

/** A manual clock for allowance and reservation timeouts. */
export function manualClock(start = 1_700_000_000_000) {
	let now = start;
	return {
		now: () => now,
		advance(ms: number) {
			now += ms;
		},
	};
}

/** A market on its own real LevelDB. */
export async function levelMarket(
	t: Teardown,
	options: Partial<MarketOptions> & {rank?: number} = {},
): Promise<{market: Market; db: ClassicLevel<string, string>}> {
	const {db} = await tempDb(t);
	const market = new Market({
		identity: options.identity ?? identity(options.rank ?? 8),
		store: new LevelStore(db),
		...options,
	});
	return {market, db};
}

/**
 * The original rules — a stranger's full line at once, no strangers' budget — for tests of the
 * line, settlement and reconciliation mechanics themselves (the defaults earn lines and bound
 * strangers: test/market/stranger-budget.test.ts).
 */
export const ORIGINAL_LINES = {openingLinePermille: 1000, strangerSharePermille: 1000} as const;

/** Lines of 1000 credits per rank at 1 bit, requests at 100, no allowance: lines bind quickly. */
export const SMALL_LINES = {
	...ORIGINAL_LINES,
	lineBytesPerRank: 1000,
	lineBits: 1,
	requestFee: 100n,
	allowancePerSecond: 0n,
};

/** `server` serves one request to `client`; both record it under one event id. */
export async function serveRequest(server: Market, client: Market): Promise<void> {
	const eventId = `t-${randomBytes(6).toString('hex')}`;
	const reservation = await server.prepareServe(peerOf(client.identity), {
		eventId,
		reason: 'request',
	});
	await client.ledger.apply(server.identity.id.toString('hex'), {
		id: eventId,
		kind: 'used',
		amount: reservation.amount,
		reason: 'request',
	});
	await server.commit(reservation, {reason: 'request'});
}
