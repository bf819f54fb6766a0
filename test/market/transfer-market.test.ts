import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {fetchLink} from '../../source/chunks/transfer/fetch-link.js';
import {isTornetError, type TornetError} from '../../source/errors.js';
import {idToHex} from '../../source/identity/id.js';
import {transferPrice} from '../../source/market/pricing.js';
import type {MarketService} from '../../source/node/market-service.js';
import {temporaryDirectory} from '../chunks/store-fixture.js';
import {type Peer, publishOn, sourceFor} from '../chunks/transfer-fixture.js';
import {marketPeer, TRANSFER_MARKET} from './market-peer.js';

const MB = 1 << 20;
/** A 4.5 MB file costs about 1.5 lines of TRANSFER_MARKET. */
const settings = TRANSFER_MARKET;

/** What the holder's chunks cost at its distance prices, request fees aside. */
async function bytePrice(holder: Peer & {service: MarketService}): Promise<bigint> {
	const {settings} = holder.service.market;
	let total = 0n;
	for await (const info of holder.store.list())
		total += transferPrice(info.size, holder.identity.id, info.id, settings);
	return total;
}

/** Every byte paid exactly once at its distance price, plus a request fee per GET. */
function paidOnce(t: ExecutionContext, sent: bigint, price: bigint): void {
	const fee = settings.requestFee!;
	t.true(sent >= price + fee, `${sent} < ${price} + a fee`);
	t.is((sent - price) % fee, 0n, `${sent} is ${price} and ${(sent - price) / fee} fees`);
}

test('a real chunk transfer is charged on both sides; past the line, a fetch stops until a cheque settles it', async (t) => {
	const a = await marketPeer(t, 0);
	const b = await marketPeer(t, 3, {autoSettleCredits: 0n});
	const {result, content} = await publishOn(t, [a], 4.5 * MB);
	const price = await bytePrice(a);
	t.true(price > b.service.market.lineFor(3), 'the file costs more than the line');
	const out = join(await temporaryDirectory(t), 'fetched.bin');
	const errors: TornetError[] = [];
	const fetch = async () =>
		fetchLink(b.store, result.link, out, {
			rpc: b.rpc,
			charge: b.service.charge,
			findSources: async () => [sourceFor(b, a)],
			onSourceError(_peer, error) {
				errors.push(error);
			},
		});

	await t.throwsAsync(fetch());
	t.true(
		errors.some((error) => isTornetError(error, 'PAYMENT_REQUIRED')),
		errors.map(String).join('\n'),
	);
	const owed = -(await b.service.market.account(a.identity.id)).balance;
	t.true(owed > 0n && owed <= b.service.market.lineFor(3));

	// `tornet settle`: merges A's events first, then pays the whole debt by cheque.
	const settled = await b.service.settle({peer: idToHex(a.identity.id), rail: 'cheque'});
	t.true(BigInt(settled.amount) >= owed);
	t.is(settled.balance, '0');
	await fetch(); // Resumes: only the chunks still missing are fetched and paid for.
	t.true((await readFile(out)).equals(content));
	// A range cut by the failed first fetch after A's last write is charged in full by A and at
	// the request fee by B; merging events raises B's record to A's (reconcile.ts).
	await b.service.market.reconcile(a.identity.id);
	await a.service.market.reconcile(b.identity.id);
	const ab = await a.service.market.account(b.identity.id);
	const ba = await b.service.market.account(a.identity.id);
	t.true(ab.sent >= price, 'every chunk paid for at the distance price of its holder');
	t.is(ab.balance + ba.balance, 0n);
	t.is(ba.received, ab.sent);
	t.is(ab.settledIn, BigInt(settled.amount));
});

test('with auto-settle, a fetch larger than the line completes and both ledgers agree', async (t) => {
	const a = await marketPeer(t, 0);
	const b = await marketPeer(t, 3);
	const {result, content} = await publishOn(t, [a], 4.5 * MB);
	const price = await bytePrice(a);
	const out = join(await temporaryDirectory(t), 'fetched.bin');
	await fetchLink(b.store, result.link, out, {
		rpc: b.rpc,
		charge: b.service.charge,
		findSources: async () => [sourceFor(b, a)],
	});
	t.true((await readFile(out)).equals(content));
	const ab = await a.service.market.account(b.identity.id);
	const ba = await b.service.market.account(a.identity.id);
	paidOnce(t, ab.sent, price);
	t.true(ab.settledIn > 0n, 'a cheque paid for what the line did not cover');
	t.is(ab.balance + ba.balance, 0n);
	t.is(ba.received, ab.sent);
	t.is(ba.settledOut, ab.settledIn);
});
