import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {directLink, peerOf} from '../../source/market/direct-link.js';
import {decodeBip21, encodeBip21, formatBtc, parseBtc} from '../../source/market/rails/bip21.js';
import {NO_DERIVATION} from '../../source/market/rails/bitcoin.js';
import {XpubAddresses} from '../../source/market/rails/xpub-addresses.js';
import {VECTOR_2_MASTER} from './bip32-vectors.js';
import type {BitcoinNode} from '../../source/market/rails/bitcoin-node.js';
import {levelMarket} from './fixture.js';

const ADDRESS = '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W';

test('BIP21: the examples of the BIP decode as it says', (t) => {
	t.deepEqual(decodeBip21(`bitcoin:${ADDRESS}`), {address: ADDRESS, other: {}});
	t.deepEqual(decodeBip21(`bitcoin:${ADDRESS}?label=Luke-Jr`), {
		address: ADDRESS,
		label: 'Luke-Jr',
		other: {},
	});
	t.deepEqual(decodeBip21(`bitcoin:${ADDRESS}?amount=20.3&label=Luke-Jr`), {
		address: ADDRESS,
		sats: 2_030_000_000n,
		label: 'Luke-Jr',
		other: {},
	});
	t.deepEqual(
		decodeBip21(
			`bitcoin:${ADDRESS}?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz`,
		),
		{
			address: ADDRESS,
			sats: 5_000_000_000n,
			label: 'Luke-Jr',
			message: 'Donation for project xyz',
			other: {},
		},
	);
	t.is(
		decodeBip21(
			`bitcoin:${ADDRESS}?req-somethingyoudontunderstand=50&req-somethingelseyoudontget=999`,
		),
		undefined,
		'unknown req- parameters make the URI invalid',
	);
	t.deepEqual(
		decodeBip21(`bitcoin:${ADDRESS}?somethingyoudontunderstand=50&somethingelseyoudontget=999`),
		{
			address: ADDRESS,
			other: {somethingyoudontunderstand: '50', somethingelseyoudontget: '999'},
		},
	);
});

test('BIP21: encoding gives the BIP examples back, and amounts are exact satoshis', (t) => {
	t.is(
		encodeBip21({address: ADDRESS, sats: 2_030_000_000n, label: 'Luke-Jr'}),
		`bitcoin:${ADDRESS}?amount=20.3&label=Luke-Jr`,
	);
	t.is(
		encodeBip21({
			address: ADDRESS,
			sats: 5_000_000_000n,
			label: 'Luke-Jr',
			message: 'Donation for project xyz',
		}),
		`bitcoin:${ADDRESS}?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz`,
	);
	t.is(formatBtc(1n), '0.00000001');
	t.is(parseBtc('0.00000001'), 1n);
	t.is(parseBtc('0.000000001'), undefined, 'more than 8 decimals');
	t.is(parseBtc('1e-8'), undefined);
	t.is(decodeBip21(`bitcoin:${ADDRESS}?amount=1&amount=2`), undefined);
	t.is(decodeBip21('bitcoin:not an address'), undefined);
	t.is(decodeBip21(`bitcoin:${ADDRESS}?label=%E0%A4%A`), undefined, 'bad percent-encoding');
	t.is(decodeBip21(`litecoin:${ADDRESS}`), undefined);
	const segwit = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
	t.is(decodeBip21(encodeBip21({address: segwit, sats: 123n}))?.sats, 123n);
});

test('without address derivation the Bitcoin rail is off and says why', async (t) => {
	const creditor = await levelMarket(t, {settings: {satsPerMegacredit: 1000}});
	const debtor = await levelMarket(t);
	t.false(creditor.market.rails.get('bitcoin')!.enabled);
	t.false(creditor.market.railsOffered().includes('bitcoin'));
	await debtor.market.ledger.apply(creditor.market.identity.id.toString('hex'), {
		id: 'x',
		kind: 'used',
		amount: 10n,
	});
	const error = await t.throwsAsync(
		debtor.market.settle(directLink(creditor.market, debtor.market.identity), 'bitcoin'),
	);
	t.true(isTornetError(error, 'NOT_RUNNING'));
	t.true(error.message.includes(NO_DERIVATION));
});

test('with an address source and a node, an invoice settles once the node saw the payment', async (t) => {
	// Real BIP32 derivation (BIP32 test vector 2's master key); a stand-in for Bitcoin Core,
	// which does not run here (no bitcoind package).
	const received = new Map<string, bigint>();
	const node: BitcoinNode = {receivedByAddress: async (address) => received.get(address) ?? 0n};
	const addresses = new XpubAddresses(VECTOR_2_MASTER);
	const creditor = await levelMarket(t, {
		settings: {satsPerMegacredit: 1000},
		bitcoin: {addresses, node},
	});
	const debtor = await levelMarket(t);
	const a = creditor.market;
	const b = debtor.market;
	t.true(a.railsOffered().includes('bitcoin'));
	const reservation = await a.prepareServe(peerOf(b.identity), {
		eventId: 'c-1',
		chunkId: a.identity.id,
		bytes: 25_000,
		reason: 'chunk',
	});
	await b.ledger.apply(a.identity.id.toString('hex'), {
		id: 'c-1',
		kind: 'used',
		amount: reservation.amount,
	});
	await a.commit(reservation);
	const owed = (await a.account(b.identity.id)).balance;
	t.is(owed, 16_384n + 25_000n * 160n);
	const link = directLink(a, b.identity);
	const first = await b.settle(link, 'bitcoin');
	const request = decodeBip21(first.pending!);
	t.is(request?.address, addresses.address(0));
	t.is(request?.sats, (owed * 1000n + 999_999n) / 1_000_000n);
	const unpaid = await b.settle(link, 'bitcoin');
	t.is(unpaid.amount, 0n);
	t.is(unpaid.pending, first.pending);
	received.set(request!.address, request!.sats!);
	const paid = await b.settle(link, 'bitcoin');
	t.is(paid.amount, owed);
	t.is((await a.account(b.identity.id)).balance, 0n);
	t.is((await b.account(a.identity.id)).balance, 0n);
	// A second invoice uses a fresh address.
	await b.ledger.apply(a.identity.id.toString('hex'), {id: 'c-2', kind: 'used', amount: 5n});
	t.is(decodeBip21((await b.settle(link, 'bitcoin')).pending!)?.address, addresses.address(1));
});
