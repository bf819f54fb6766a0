import {parentPort} from 'node:worker_threads';
import {applyChunkCipher, contentKey} from './chunk-crypto.js';
import {chunkIdFromSlices, sliceHashes} from './slices.js';

/**
 * The body of the seal thread (sealer.ts): seals one chunk per message. The plaintext and the
 * body buffers are transferred in and back out, never copied.
 */
export type SealRequest = {job: number; plain: ArrayBuffer; length: number; out: ArrayBuffer};
export type SealReply = {
	job: number;
	plain: ArrayBuffer;
	out: ArrayBuffer;
	id: Uint8Array;
	key: Uint8Array;
	slices: Uint8Array;
	hashMs: number;
	encryptMs: number;
};

parentPort?.on('message', ({job, plain, length, out}: SealRequest) => {
	const text = Buffer.from(plain, 0, length);
	const body = Buffer.from(out, 0, length);
	const started = performance.now();
	const key = contentKey(text);
	const keyed = performance.now();
	applyChunkCipher(body, text, key);
	const encrypted = performance.now();
	const slices = sliceHashes(body);
	const id = chunkIdFromSlices(length, slices);
	const hashMs = keyed - started + (performance.now() - encrypted);
	const reply: SealReply = {job, plain, out, id, key, slices, hashMs, encryptMs: encrypted - keyed};
	parentPort!.postMessage(reply, [plain, out]);
});
