import {randomBytes} from 'node:crypto';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {parseAddress} from '../../source/identity/address.js';
import type {Identity} from '../../source/identity/keys.js';
import {paymentDetails} from '../../source/market/credit-line.js';
import {LevelStore} from '../../source/market/ledger-store.js';
import {Market} from '../../source/market/market.js';
import {registerMarketMethods, rpcLink} from '../../source/market/rpc-methods.js';
import type {TornetNode} from '../../source/node/node.js';
import {identityWithRank} from '../helpers/identities.js';
import {testnet} from '../helpers/testnet.js';
import {tempDb, SMALL_LINES} from './fixture.js';

// A rank-4 peer gets 4000 credits of line; each test.fetch costs 1000.
const settings = {
	...SMALL_LINES,
	requestFee: 1000n,
};

type Teardown = Parameters<typeof tempDb>[0];

/** A node with a market on its own LevelDB and a paid method standing in for chunk fetches. */
async function withMarket(t: Teardown, node: TornetNode, identity: Identity): Promise<Market> {
	const {db} = await tempDb(t);
	const market = new Market({identity, store: new LevelStore(db), settings});
	registerMarketMethods(node.rpc, market);
	node.rpc.register('test.fetch', async (body, {connection}) => {
		const reservation = await market.prepareServe(connection.peer, {
			eventId: body.toString('latin1'),
			reason: 'request',
		});
		await market.commit(reservation, {reason: 'request'});
		return Buffer.from('chunk');
	});
	return market;
}

test('over UDP: a peer past its line gets PAYMENT_REQUIRED and is served again after a cheque', async (t) => {
	const identities = [identityWithRank(4), identityWithRank(4)];
	const {nodes} = await testnet(t, 1, {identity: identities[0]});
	const {nodes: others} = await testnet(t, 1, {identity: identities[1]});
	const [a, b] = [nodes[0], others[0]];
	const marketA = await withMarket(t, a, identities[0]);
	const marketB = await withMarket(t, b, identities[1]);
	const connection = await b.endpoint.connect(parseAddress(a.address));
	const fetch = async () => {
		const eventId = `f-${randomBytes(6).toString('hex')}`;
		const reservation = await marketB.prepareUse(connection.peer, eventId, 1000n);
		try {
			await b.rpc.request(connection, 'test.fetch', Buffer.from(eventId, 'latin1'));
		} catch (error) {
			marketB.release(reservation);
			throw error;
		}

		await marketB.commit(reservation, {reason: 'request'});
	};

	const line = identities[1].rank * 1000;
	for (let spent = 0; spent + 1000 <= line; spent += 1000) await fetch();
	// B's own guard stops it first (it reserves against the line A extends to it)…
	t.true(isTornetError(await t.throwsAsync(fetch()), 'PAYMENT_REQUIRED'));
	// …and A refuses a request that skips the guard, naming the amount and the rails.
	const refused = await t.throwsAsync(
		b.rpc.request(connection, 'test.fetch', Buffer.from('raw-1')),
	);
	t.true(isTornetError(refused, 'PAYMENT_REQUIRED'), String(refused));
	t.deepEqual(paymentDetails(refused), {
		owed: BigInt(line),
		line: BigInt(line),
		price: 1000n,
		rails: ['cheque'],
	});

	const link = rpcLink(b.rpc, connection);
	t.like(await marketB.peerView(link), {balance: BigInt(line), line: BigInt(line)});
	const settled = await marketB.settle(link, 'cheque');
	t.is(settled.amount, BigInt(line - (line % 1000)));
	await t.notThrowsAsync(fetch());
	const ab = await marketA.account(identities[1].id);
	const ba = await marketB.account(identities[0].id);
	t.is(ab.balance + ba.balance, 0n);
	t.is(ab.sent, ba.received);
	t.like(await marketB.reconcile(link), {applied: 0, disputed: 0});
});

test('a peer below the minimum rank is refused before any market state exists', async (t) => {
	const strong = identityWithRank(0);
	const {nodes} = await testnet(t, 1, {identity: strong, minRank: 12});
	const {nodes: weak} = await testnet(t, 1, {identity: identityWithRank(0)});
	const {db} = await tempDb(t);
	const market = new Market({identity: strong, store: new LevelStore(db), settings});
	registerMarketMethods(nodes[0].rpc, market);
	const error = await t.throwsAsync(weak[0].endpoint.connect(parseAddress(nodes[0].address)));
	t.true(isTornetError(error, 'RANK_TOO_LOW'), String(error));
	t.deepEqual(await market.accounts(), []);
	let keys = 0;
	for await (const _key of db.keys()) keys++;
	t.is(keys, 0);
});
