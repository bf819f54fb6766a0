import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import {idToHex} from '../../source/identity/id.js';
import {paymentDetails} from '../../source/market/credit-line.js';
import {callNode} from '../../source/node/control-client.js';
import {ControlServer} from '../../source/node/control-server.js';
import {registerMarketControl} from '../../source/node/market-service.js';
import type {LedgerReply, SettleReply} from '../../source/market/ledger-view.js';
import {identityWithRank} from '../helpers/identities.js';
import {testnet} from '../helpers/testnet.js';
import {
	encodeTransfer,
	marketNode,
	type MarketNode,
	serveTransfers,
	transfer,
	TRANSFER_METHOD,
} from './service-fixture.js';

/** A chunk id as far from `holder` as can be: the distance factor is the floor, 1 bit. */
function farChunk(holder: Buffer): Buffer {
	const id = Buffer.from(holder);
	id[0] ^= 0x80;
	return id;
}

/** 900 bytes at 1 bit plus the 100-credit request fee: 1000 credits a transfer. */
const BYTES = 900;
const PRICE = 1000n;

async function mirrorCheck(
	t: {is(a: unknown, b: unknown, m?: string): void},
	a: MarketNode,
	b: MarketNode,
) {
	await a.service.market.ledger.idle();
	await b.service.market.ledger.idle();
	const ab = await a.service.market.account(b.identity.id);
	const ba = await b.service.market.account(a.identity.id);
	const pair = `${idToHex(a.identity.id).slice(0, 6)}/${idToHex(b.identity.id).slice(0, 6)}`;
	t.is(ab.balance + ba.balance, 0n, `balance[A][B] + balance[B][A] = 0 for ${pair}`);
	t.is(ab.received, ba.sent, `received[A][B] = sent[B][A] for ${pair}`);
	t.is(ab.sent, ba.received, `sent[A][B] = received[B][A] for ${pair}`);
	t.is(ab.settledIn, ba.settledOut, `settlements mirror for ${pair}`);
}

test('a peer past its line gets PAYMENT_REQUIRED with the amount and rails, settles by cheque, and is served again', async (t) => {
	const a = await marketNode(t, 4);
	const b = await marketNode(t, 4, {autoSettleCredits: 0n});
	serveTransfers(a);
	const connection = await b.node.endpoint.connect(parseAddress(a.node.address));
	const chunk = farChunk(a.identity.id);
	const line = a.service.market.lineFor(4);
	t.is(line, 4000n);
	for (let spent = 0n; spent + PRICE <= line; spent += PRICE)
		await transfer(b, connection, BYTES, chunk);

	// B's own guard stops it first, naming the rails A told it it accepts…
	const guarded = await t.throwsAsync(transfer(b, connection, BYTES, chunk));
	t.true(isTornetError(guarded, 'PAYMENT_REQUIRED'), String(guarded));
	t.deepEqual(paymentDetails(guarded), {owed: line, line, price: PRICE, rails: ['cheque']});
	// …and A refuses a request that skips the guard, before anything is written.
	const before = await a.service.market.account(b.identity.id);
	const raw = encodeTransfer({chunkId: chunk, eventId: Buffer.alloc(16, 1), bytes: BYTES});
	const refused = await t.throwsAsync(b.node.rpc.request(connection, TRANSFER_METHOD, raw));
	t.true(isTornetError(refused, 'PAYMENT_REQUIRED'), String(refused));
	t.deepEqual(paymentDetails(refused), {owed: line, line, price: PRICE, rails: ['cheque']});
	t.is((await a.service.market.account(b.identity.id)).events, before.events);

	// `tornet settle <prefix> --rail cheque`, as the control socket runs it.
	const settled = await b.service.settle({
		peer: idToHex(a.identity.id).slice(0, 10),
		rail: 'cheque',
	});
	t.like(settled, {
		peer: idToHex(a.identity.id),
		rail: 'cheque',
		amount: String(line),
		balance: '0',
	});
	await t.notThrowsAsync(transfer(b, connection, BYTES, chunk));
	const view = await a.service.market.account(b.identity.id);
	t.is(view.balance, PRICE);
	t.like(view.lastSettlement, {rail: 'cheque', amount: line, direction: 'in'});
	await mirrorCheck(t, a, b);
});

test('PAYMENT_REQUIRED on the fetch side settles automatically by cheque and retries once', async (t) => {
	const a = await marketNode(t, 4);
	const b = await marketNode(t, 4);
	serveTransfers(a);
	const connection = await b.node.endpoint.connect(parseAddress(a.node.address));
	const chunk = farChunk(a.identity.id);
	// A takes one line of B's cheques (chequeLimitLines = 1): 4 transfers on the line, 4 paid by
	// the cheque signed when the line ran out, then A refuses a second cheque.
	for (let i = 0; i < 8; i++) await transfer(b, connection, BYTES, chunk);
	const account = await a.service.market.account(b.identity.id);
	t.like(account, {balance: 4n * PRICE, sent: 8n * PRICE, settledIn: 4n * PRICE});
	const refused = await t.throwsAsync(transfer(b, connection, BYTES, chunk));
	t.true(isTornetError(refused, 'PAYMENT_REQUIRED'), String(refused));
	const row = (await b.service.ledger()).accounts[0];
	t.like(row, {peer: idToHex(a.identity.id), balance: String(-4n * PRICE), settlement: 'failed'});
	t.like(row.lastSettlement, {rail: 'cheque', direction: 'out', amount: String(4n * PRICE)});
	await mirrorCheck(t, a, b);
});

test('a peer below the minimum rank is refused before any market state is written', async (t) => {
	const strong = await marketNode(t, 0, {node: {minRank: 12}});
	const {nodes: weak} = await testnet(t, 1, {identity: identityWithRank(0)});
	const error = await t.throwsAsync(weak[0].endpoint.connect(parseAddress(strong.node.address)));
	t.true(isTornetError(error, 'RANK_TOO_LOW'), String(error));
	t.deepEqual(await strong.service.market.accounts(), []);
	let records = 0;
	for await (const _record of strong.service.market.store.range('', '\uffff')) records++;
	t.is(records, 0);
});

test('after a burst of concurrent transfers both ways, every pair of ledgers mirrors', async (t) => {
	const nodes = await Promise.all([0, 1, 2].map(async () => marketNode(t, 6)));
	for (const node of nodes) serveTransfers(node);
	const connections = await Promise.all(
		nodes.map(async (client) =>
			Promise.all(
				nodes.map(async (server) =>
					server === client
						? undefined
						: client.node.endpoint.connect(parseAddress(server.node.address)),
				),
			),
		),
	);
	// Every direction runs 4 workers at once, each a chain of transfers; demand is lopsided (a
	// lower-numbered node fetches 4× more from a higher one than the reverse), so lines run out
	// and cheques settle them while other transfers are in flight.
	const jobs: Array<Promise<unknown>> = [];
	for (const [i, client] of nodes.entries()) {
		for (const [j, server] of nodes.entries()) {
			if (i === j) continue;
			for (let worker = 0; worker < 4; worker++) {
				let chain: Promise<unknown> = Promise.resolve();
				for (let k = 0; k < (i < j ? 8 : 2); k++) {
					const bytes = 300 + ((i * 7 + j * 13 + (worker * 8 + k) * 29) % 1200);
					const run = async () =>
						transfer(client, connections[i][j]!, bytes, farChunk(server.identity.id));
					chain = chain.catch(() => undefined).then(run);
					jobs.push(chain);
				}
			}
		}
	}

	const outcomes = await Promise.allSettled(jobs);
	const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
	for (const outcome of refused)
		t.true(isTornetError(outcome.reason, 'PAYMENT_REQUIRED'), String(outcome.reason));
	// Each of the 6 directions has a line of 6000 and a cheque limit of one line: at least the
	// line's worth (4 or more transfers of at most 1500 credits) must have gone through.
	t.true(outcomes.length - refused.length >= 24, `${refused.length} of ${outcomes.length} refused`);
	let settled = 0n;
	for (const [i, a] of nodes.entries()) {
		for (const b of nodes.slice(i + 1)) await mirrorCheck(t, a, b);
		for (const account of await a.service.market.accounts()) settled += account.settledIn;
	}

	t.true(settled > 0n, 'lines ran out and cheques settled them during the burst');
});

test('the control socket answers ledger and settle, and names bad input', async (t) => {
	const a = await marketNode(t, 4);
	const b = await marketNode(t, 4, {autoSettleCredits: 0n});
	serveTransfers(a);
	const connection = await b.node.endpoint.connect(parseAddress(a.node.address));
	await transfer(b, connection, BYTES, farChunk(a.identity.id));
	const control = new ControlServer(b.node.options.dataDir);
	registerMarketControl(control, b.service);
	await control.listen();
	t.teardown(async () => control.close());
	const dataDir = b.node.options.dataDir;

	const ledger = await callNode<LedgerReply>(dataDir, 'ledger');
	t.like(ledger.self, {id: idToHex(b.identity.id), rank: b.identity.rank, line: '4000'});
	t.is(ledger.accounts.length, 1);
	t.like(ledger.accounts[0], {
		peer: idToHex(a.identity.id),
		balance: '-1000',
		received: '1000',
		lineToUs: '4000',
		usePermille: 250,
		lastSettlement: null,
	});

	for (const params of [
		{peer: 'zz'},
		{peer: 'ffff'.repeat(10)},
		{peer: idToHex(a.identity.id), rail: 'paypal'},
		{},
	]) {
		const error = await t.throwsAsync(callNode(dataDir, 'settle', params));
		t.true(isTornetError(error, 'BAD_ARGUMENT'), `${JSON.stringify(params)}: ${String(error)}`);
	}

	const settled = await callNode<SettleReply>(dataDir, 'settle', {
		peer: idToHex(a.identity.id).slice(0, 6),
	});
	t.deepEqual(settled, {
		peer: idToHex(a.identity.id),
		rail: 'cheque',
		amount: '1000',
		balance: '0',
		pending: null,
	});
	const again = await callNode<SettleReply>(dataDir, 'settle', {peer: idToHex(a.identity.id)});
	t.like(again, {rail: null, amount: '0', balance: '0'});
	await mirrorCheck(t, a, b);
});
