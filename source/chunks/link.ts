import {TornetError} from '../errors.js';
import {ID_BYTES} from '../identity/hash.js';
import {CHUNK_KEY_BYTES} from './chunk-crypto.js';

/**
 * A link names the root chunk of a file description and carries its key:
 *
 *   tornet:<chunk id, 40 hex>.<key, 52 base32>
 *
 * The id alone is enough to find the chunk (the DHT walks toward it) and is what peers see; the
 * key after the dot is what lets the holder of the link, and only them, read the description.
 * Hex for the id matches how ids are printed everywhere else. The key is base32 (RFC 4648,
 * lower case, no padding), 52 characters against hex's 64, still case-insensitive (survives being
 * typed, read aloud, or lower-cased by a tool), and made only of characters that need no escaping in
 * a URL path, a shell or a file name. '.' rather than '#': the gateway URL `/tornet/<link>` must
 * reach the server whole, and browsers never send what follows '#'.
 */
export const LINK_SCHEME = 'tornet:';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const KEY_CHARS = Math.ceil((CHUNK_KEY_BYTES * 8) / 5);
const LINK_PATTERN = new RegExp(`^tornet:([0-9a-f]{${ID_BYTES * 2}})\\.([a-z2-7]{${KEY_CHARS}})$`);

export type Link = {id: Buffer; key: Buffer};

export function base32Encode(bytes: Uint8Array): string {
	let out = '';
	let bits = 0;
	let value = 0;
	for (const byte of bytes) {
		value = ((value << 8) | byte) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			out += ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}

	if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
	return out;
}

/** Decodes canonical lower-case base32 (unused trailing bits zero), or undefined. */
export function base32Decode(text: string): Buffer | undefined {
	const out = Buffer.allocUnsafe(Math.floor((text.length * 5) / 8));
	let bits = 0;
	let value = 0;
	let index = 0;
	for (const char of text) {
		const digit = ALPHABET.indexOf(char);
		if (digit === -1) return undefined;
		value = ((value << 5) | digit) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			out[index++] = (value >>> (bits - 8)) & 0xff;
			bits -= 8;
		}
	}

	// Two spellings of one key would make two links for one file.
	if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) return undefined;
	return out;
}

export function formatLink(link: Link): string {
	if (link.id.length !== ID_BYTES || link.key.length !== CHUNK_KEY_BYTES)
		throw TornetError.badArgument('a link needs a 20-byte id and a 32-byte key');
	return `${LINK_SCHEME}${link.id.toString('hex')}.${base32Encode(link.key)}`;
}

/** Parses a link; anything else is BAD_ARGUMENT with the reason. Upper case is accepted. */
export function parseLink(text: string): Link {
	if (typeof text !== 'string' || text.length > 200)
		throw TornetError.badArgument('not a tornet link');
	const match = LINK_PATTERN.exec(text.toLowerCase());
	if (!match) {
		const why = text.toLowerCase().startsWith(LINK_SCHEME)
			? `expected tornet:<${ID_BYTES * 2} hex>.<${KEY_CHARS} base32>`
			: 'it does not start with tornet:';
		throw TornetError.badArgument(`${JSON.stringify(text)} is not a tornet link: ${why}`);
	}

	const key = base32Decode(match[2]);
	if (!key || key.length !== CHUNK_KEY_BYTES)
		throw TornetError.badArgument(`${JSON.stringify(text)} has a malformed key`);
	return {id: Buffer.from(match[1], 'hex'), key};
}

/** Like parseLink, as a value: for decoders of untrusted input. */
export function tryParseLink(text: string): Link | undefined {
	try {
		return parseLink(text);
	} catch {
		return undefined;
	}
}
