import {randomBytes} from 'node:crypto';
import test from 'ava';
import {fetchMeta} from '../../source/chunks/transfer/fetch-meta.js';
import {FetchSession} from '../../source/chunks/transfer/fetch-session.js';
import {DHT_METHODS, encodeFindNodeRequest} from '../../source/dht/messages.js';
import {appendFeeTag, type FeeTag} from '../../source/dht/request-fees.js';
import {isTornetError, type TornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import {earnedLine, paymentDetails} from '../../source/market/credit-line.js';
import {testnet} from '../helpers/testnet.js';
import {FEE_MARKET, feeEvents, ledgersMirror, logFees} from './fees-fixture.js';

test('lookups cost the lookup fee both ways, and both ledgers hold the same fee events', async (t) => {
	const settings = {...FEE_MARKET, lineBytesPerRank: 1_000_000};
	const {nodes} = await testnet(t, 4, {bootstrap: 'first', market: {settings}});
	for (const node of nodes) {
		for (let i = 0; i < 8; i++) await node.dht.lookup(randomBytes(20));
		for (let i = 0; i < 4; i++) await node.dht.findChunk(randomBytes(20));
	}

	t.true(
		await ledgersMirror(nodes),
		'balance[A][B] + balance[B][A] = 0, sent[A][B] = received[B][A]',
	);
	for (const [i, node] of nodes.entries()) logFees(t, node, `node ${i}`);
	let fees = 0;
	for (const a of nodes) {
		for (const b of nodes) {
			if (a === b) continue;
			const ours = await feeEvents(a, b);
			const mirrored = (await feeEvents(b, a)).map((event) =>
				event.replace(/:(served|used):/, (_, kind: string) =>
					kind === 'served' ? ':used:' : ':served:',
				),
			);
			t.deepEqual(ours, mirrored, 'the same fee events, under the same ids, on both sides');
			for (const event of ours) t.regex(event, /^lookup-[\da-f]{16}(\.\d+)?:(served|used):\d+00$/);
			fees += ours.length;
		}
	}

	t.true(fees > 0, 'lookups were charged');
	const written = nodes.reduce((sum, node) => sum + node.market.charged.stats.segmentsWritten, 0);
	const charged = nodes.reduce((sum, node) => sum + node.market.charged.stats.charged, 0);
	t.true(written <= charged, `${charged} fees in ${written} ledger events`);
});

test('a resent request is charged once, a replayed one is refused, and the line ends with PAYMENT_REQUIRED', async (t) => {
	const {nodes} = await testnet(t, 2, {market: {settings: FEE_MARKET, autoSettleCredits: 0n}});
	const [a, b] = nodes;
	const connection = await a.dial(parseAddress(b.address));
	const ask = async (tag: FeeTag) =>
		a.rpc.request(
			connection,
			DHT_METHODS.findNode,
			appendFeeTag(encodeFindNodeRequest(randomBytes(20), 5), tag),
			{timeoutMs: 5000},
		);

	const before = b.market.charged.stats.charged;
	const first = a.market.tagRequest(b.identity, 'lookup')!;
	await ask(first.tag);
	first.end(true);
	await ask(first.tag); // the RPC layer's resend of the same request: answered, not charged
	const replay = await t.throwsAsync<TornetError>(ask(first.tag));
	t.is(replay?.code, 'REPLAYED');
	t.is(b.market.charged.stats.charged - before, 1);

	// B extends A its (opening) line: exactly that many credits of fees are answered, then refused.
	const line = earnedLine(a.identity.rank, 0n, b.market.market.settings);
	let answered = 1;
	let refusal: unknown;
	while (!refusal && answered < 1000) {
		const ticket = a.market.tagRequest(b.identity, 'lookup')!;
		try {
			await ask(ticket.tag);
			ticket.end(true);
			answered++;
		} catch (error) {
			ticket.end(false, error);
			refusal = error;
		}
	}

	t.true(isTornetError(refusal, 'PAYMENT_REQUIRED'), String(refusal));
	// A's background lookups to B (joins, bucket refreshes) are charged too, so count B's side.
	const charged = b.market.charged.stats.charged;
	t.true(answered <= charged);
	t.is(BigInt(charged) * FEE_MARKET.lookupFee, line);
	const details = paymentDetails(refusal)!;
	t.is(details.line, line);
	t.is(details.owed + details.price > details.line, true);
	t.true(await ledgersMirror(nodes));
	t.is((await b.market.market.account(a.identity.id)).balance, line, 'A owes B its whole line');
	logFees(t, b, 'B');
});

test('chunk.meta for a chunk nobody holds costs the request fee, recorded alike on both sides', async (t) => {
	const {nodes} = await testnet(t, 2, {market: {settings: FEE_MARKET}});
	const [a, b] = nodes;
	const session = new FetchSession({rpc: a.rpc, tagRequest: a.market.tagRequest});
	const source = {peerId: b.identity.id, connect: async () => a.dial(parseAddress(b.address))};
	for (let i = 0; i < 3; i++) {
		const missing = await t.throwsAsync<TornetError>(
			fetchMeta(a.content.store, randomBytes(20), [source], session),
		);
		t.is(missing?.code, 'NOT_FOUND');
	}

	t.true(await ledgersMirror(nodes));
	const events = await feeEvents(a, b);
	const total = events.reduce((sum, event) => sum + BigInt(event.split(':')[2]), 0n);
	t.true(
		events.every((event) => /^request-[\da-f]{16}(\.\d+)?:used:/.test(event)),
		String(events),
	);
	t.is(total, 3n * FEE_MARKET.requestFee);
	t.is((await b.market.market.account(a.identity.id)).sent, 3n * FEE_MARKET.requestFee);
});
