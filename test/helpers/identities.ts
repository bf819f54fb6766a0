import {generateKeyPair, makeIdentity, type Identity} from '../../source/identity/keys.js';
import {nonceFromCounter, rankOf} from '../../source/identity/rank.js';

/** A fresh identity with at least `rank` bits of proof of work (small ranks only: 2^rank hashes). */
export function identityWithRank(rank = 0): Identity {
	const keyPair = generateKeyPair();
	for (let counter = 0n; ; counter++) {
		const nonce = nonceFromCounter(counter);
		const actual = rankOf(keyPair.publicKey, nonce);
		if (actual >= rank) return makeIdentity(keyPair, nonce, actual);
	}
}
