import {HDKey} from '@scure/bip32';
import test from 'ava';
import {isTornetError} from '../../source/errors.js';
import {parseMarketConfig} from '../../source/market/market-config.js';
import {
	p2wpkhAddress,
	publicChild,
	XpubAddresses,
} from '../../source/market/rails/xpub-addresses.js';
import {PUBLIC_STEPS, VECTOR_2_MASTER} from './bip32-vectors.js';

test('public derivation reproduces the BIP32 test vectors', (t) => {
	for (const step of PUBLIC_STEPS) t.is(publicChild(step.from, step.index), step.to, step.path);
});

test('P2WPKH addresses match BIP173: the generator point key and its bech32 address', (t) => {
	// BIP173's example: the key 0279BE…798 (secp256k1's generator) as P2WPKH.
	const key = Buffer.from(
		'0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798',
		'hex',
	);
	t.is(p2wpkhAddress(key), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
	t.is(p2wpkhAddress(key, 'testnet'), 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
});

test('receive addresses are <xpub>/0/i: distinct, stable, and index-checked', (t) => {
	const source = new XpubAddresses(VECTOR_2_MASTER);
	const chain = PUBLIC_STEPS.find((step) => step.path === 'vector 2: m → m/0')!.to;
	const first = new XpubAddresses(VECTOR_2_MASTER).address(0);
	t.is(source.address(0), first);
	t.not(source.address(1), first);
	t.true(first.startsWith('bc1q'));
	// …/0/0 is the P2WPKH address of child 0 of the vector's own m/0 key.
	t.is(first, p2wpkhAddress(HDKey.fromExtendedKey(chain).deriveChild(0).publicKey!));
	for (const bad of [-1, 1.5, 2 ** 31])
		t.true(
			isTornetError(
				t.throws(() => source.address(bad)),
				'BAD_ARGUMENT',
			),
		);
});

test('a private or foreign extended key is refused with a clear error', (t) => {
	const xprv =
		'xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U';
	t.throws(() => new XpubAddresses(xprv), {message: /PUBLIC|extended public key/});
	t.throws(() => new XpubAddresses('xpub-not-a-key'), {message: /extended public key/});
	t.throws(() => new XpubAddresses(VECTOR_2_MASTER, 'testnet'), {message: /testnet/});
});

test('market.json turns the rail on with a bitcoin section and names bad fields', (t) => {
	const config = parseMarketConfig({
		satsPerMegacredit: 10,
		bitcoin: {
			xpub: VECTOR_2_MASTER,
			rpcUrl: 'http://127.0.0.1:8332/wallet/tornet',
			rpcUser: 'tornet',
			rpcPassword: 'secret',
		},
	});
	t.truthy(config.bitcoin?.addresses);
	t.truthy(config.bitcoin?.node);
	t.is(config.bitcoin?.minConfirmations, 1);
	const bad = (bitcoin: unknown) => t.throws(() => parseMarketConfig({bitcoin}));
	t.regex(
		bad({xpub: VECTOR_2_MASTER, rpcUrl: 'x', rpcUser: 'a', rpcPassword: 'b'})!.message,
		/rpcUrl/,
	);
	t.regex(bad({xpub: 'nope', rpcUrl: 'http://h', rpcUser: 'a', rpcPassword: 'b'})!.message, /xpub/);
	t.regex(bad({colour: 'red'})!.message, /unknown bitcoin setting colour/);
});
