import {createHash} from 'node:crypto';

/** Every 160-bit name in tornet (node ids, chunk ids) is SHA-256 truncated to 20 bytes (see DESIGN.md: SHA-1 is collision-broken). */
export const ID_BYTES = 20;
export const ID_BITS = ID_BYTES * 8;

export function hash160(...parts: Uint8Array[]): Buffer {
	const hash = createHash('sha256');
	for (const part of parts) hash.update(part);
	return hash.digest().subarray(0, ID_BYTES);
}

export function sha256(...parts: Uint8Array[]): Buffer {
	const hash = createHash('sha256');
	for (const part of parts) hash.update(part);
	return hash.digest();
}
