import {randomBytes} from 'node:crypto';
import {join} from 'node:path';
import test from 'ava';
import type {TransferTerms} from '../../source/chunks/transfer/chunk-server.js';
import {fetchLink} from '../../source/chunks/transfer/fetch-link.js';
import {isTornetError, TornetError} from '../../source/errors.js';
import {TransferHooks} from '../../source/market/transfer-hooks.js';
import type {PeerIdentity} from '../../source/wire/handshake.js';
import {temporaryDirectory} from '../chunks/store-fixture.js';
import {publishOn, sourceFor} from '../chunks/transfer-fixture.js';
import {identity, levelMarket} from './fixture.js';
import {marketPeer} from './market-peer.js';
import {SMALL_MARKET} from './service-fixture.js';

/** A line of 3000 credits at rank 3; a chunk id far from the holder costs 100 + 1 per byte. */
const settings = {...SMALL_MARKET, floorBits: 1};

async function settled(promise: Promise<unknown>): Promise<boolean> {
	let done = false;
	promise.then(
		() => (done = true),
		() => (done = true),
	);
	for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
	return done;
}

test('a charge waits while only our transfers in flight fill the line, and never leaves a reservation behind', async (t) => {
	const {market} = await levelMarket(t, {rank: 3, settings});
	const holder: PeerIdentity = identity(0);
	const hooks = new TransferHooks({
		market,
		link: async () => {
			throw TornetError.notFound('no link in this test');
		},
		autoSettleCredits: 0n,
	});
	// Every bit differs from the holder's id: the floor price, 1200 credits for 1100 bytes.
	const far = Buffer.from(holder.id.map((byte) => byte ^ 0xff));
	const request = (): TransferTerms => ({chunkId: far, eventId: randomBytes(16), bytes: 1100});
	const key = holder.id.toString('hex');
	const held = () => market.ledger.reservations.size;

	const first = await hooks.charge(holder, request());
	const second = await hooks.charge(holder, request());
	t.is(market.ledger.reserved(key, 'use'), 2400n);
	const third = hooks.charge(holder, request());
	t.false(await settled(third), 'a third waits: 3600 > 3000, but no debt stands in its way');
	first.release();
	const admitted = await third;
	t.is(held(), 2);

	// Paid for: a debt of 1200 and 1200 in flight leave room for one more once that one ends.
	await second.commit(1100);
	const stop = new AbortController();
	const waiting = hooks.charge(holder, request(), {signal: stop.signal});
	t.false(await settled(waiting));
	stop.abort();
	const aborted = await t.throwsAsync(waiting);
	t.true(isTornetError(aborted, 'ABORTED'), String(aborted));
	t.is(held(), 1, 'the aborted charge reserved nothing');

	await admitted.commit(1100);
	t.is(held(), 0);
	// Now the debt itself (2400 + 1200 > 3000) refuses at once: nothing in flight to wait for.
	const refused = await t.throwsAsync(hooks.charge(holder, request()));
	t.true(isTornetError(refused, 'PAYMENT_REQUIRED'), String(refused));
	t.is(held(), 0);
});

async function until(condition: () => boolean): Promise<void> {
	for (let turn = 0; turn < 500 && !condition(); turn++)
		await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a stalled, retried and aborted chunk transfer ends every reservation on both sides', async (t) => {
	// One slice a minute: the first slice goes out (the bucket lends it), then the holder stalls.
	const a = await marketPeer(t, 0, {uploadBytesPerSecond: 1});
	const b = await marketPeer(t, 3);
	const {result} = await publishOn(t, [a], 200_000);
	const out = join(await temporaryDirectory(t), 'fetched.bin');
	const errors: TornetError[] = [];
	const stop = new AbortController();
	const fetching = fetchLink(b.store, result.link, out, {
		rpc: b.rpc,
		charge: b.service.charge,
		stallMs: 300,
		signal: stop.signal,
		findSources: async () => [sourceFor(b, a)],
		onSourceError(_peer, error) {
			errors.push(error);
			// Stalled and asked again twice: then stop the whole fetch while streams are open.
			if (errors.filter((each) => each.code === 'REQUEST_TIMEOUT').length >= 3) stop.abort();
		},
	});
	await t.throwsAsync(fetching);
	t.true(
		errors.some((error) => isTornetError(error, 'REQUEST_TIMEOUT')),
		errors.map(String).join('\n'),
	);
	t.is(b.service.market.ledger.reservations.size, 0, 'the fetcher holds nothing');
	// The holder's sends wait for the bucket; closing the server flushes it and they end.
	a.server.close();
	await until(() => a.server.streamsInFlight === 0);
	t.is(a.server.streamsInFlight, 0);
	t.is(a.service.market.ledger.reservations.size, 0, 'the holder holds nothing');
});
