import {ripemd160} from '@noble/hashes/legacy.js';
import {sha256} from '@noble/hashes/sha2.js';
import {bech32} from '@scure/base';
import {HDKey} from '@scure/bip32';
import {TornetError} from '../../errors.js';
import type {AddressSource} from './bitcoin.js';

/**
 * Fresh receiving addresses for the Bitcoin rail: BIP32 public derivation from the operator's
 * extended public key, receive chain `<xpub>/0/<index>`, each a native segwit (P2WPKH, BIP173)
 * address — what Bitcoin Core watches with the descriptor `wpkh(<xpub>/0/*)`. The node never sees
 * a private key. BIP32 and bech32 come from @scure/bip32 and @scure/base (audited, no native code)
 * rather than our own secp256k1 arithmetic.
 */
export type BitcoinNetwork = 'mainnet' | 'testnet' | 'regtest';

const PREFIX: Record<BitcoinNetwork, string> = {mainnet: 'bc', testnet: 'tb', regtest: 'bcrt'};
/** BIP32 version bytes of extended public keys: xpub (mainnet), tpub (testnet and regtest). */
const VERSIONS = {
	mainnet: {public: 0x04_88_b2_1e, private: 0x04_88_ad_e4},
	testnet: {public: 0x04_35_87_cf, private: 0x04_35_83_94},
};
const MAX_INDEX = 0x7f_ff_ff_ff; // non-hardened children only: public derivation

export class XpubAddresses implements AddressSource {
	readonly network: BitcoinNetwork;
	private readonly chain: HDKey;

	constructor(extendedPublicKey: string, network: BitcoinNetwork = 'mainnet') {
		let key: HDKey;
		try {
			key = HDKey.fromExtendedKey(
				extendedPublicKey,
				network === 'mainnet' ? VERSIONS.mainnet : VERSIONS.testnet,
			);
		} catch {
			throw TornetError.badArgument(`not an extended public key for ${network}`);
		}

		if (key.privateKey)
			throw TornetError.badArgument('give an extended PUBLIC key, not a private one');
		this.network = network;
		this.chain = key.deriveChild(0);
	}

	address(index: number): string {
		if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX)
			throw TornetError.badArgument(`address index ${index} is outside 0…2^31 − 1`);
		const publicKey = this.chain.deriveChild(index).publicKey!;
		return p2wpkhAddress(publicKey, this.network);
	}
}

/** A compressed public key's native segwit v0 address (BIP173). */
export function p2wpkhAddress(publicKey: Uint8Array, network: BitcoinNetwork = 'mainnet'): string {
	if (publicKey.length !== 33)
		throw TornetError.badArgument('a compressed public key has 33 bytes');
	const program = ripemd160(sha256(publicKey));
	return bech32.encode(PREFIX[network], [0, ...bech32.toWords(program)]);
}

/** Public derivation of one child, as an extended key (for tests against the BIP32 vectors). */
export function publicChild(extendedPublicKey: string, index: number): string {
	return HDKey.fromExtendedKey(extendedPublicKey).deriveChild(index).publicExtendedKey;
}
