import sodium from 'sodium-native';

/**
 * Header protection in the style of RFC 9001 §5.4.4 (ChaCha20): the 12-byte header (connection id
 * and packet number) is XORed with ChaCha20 keystream whose counter and nonce come from 16 bytes of
 * the packet's own ciphertext. Each node has one header key for everything sent to it, given to a
 * peer inside the handshake, so it can unmask before it knows which connection a packet belongs to.
 */
export const CID_BYTES = 8;
export const HEADER_BYTES = CID_BYTES + 4;
export const SAMPLE_BYTES = 16;
export const HEADER_KEY_BYTES = 32;

const nonce = Buffer.alloc(12);

/** XOR `length` bytes at `target` with keystream from the 16-byte sample at `sampleOffset`. */
export function applyMask(
	packet: Uint8Array,
	target: number,
	length: number,
	sampleOffset: number,
	headerKey: Uint8Array,
	out: Uint8Array = packet,
	outOffset = target,
): void {
	const counter =
		(packet[sampleOffset] |
			(packet[sampleOffset + 1] << 8) |
			(packet[sampleOffset + 2] << 16) |
			(packet[sampleOffset + 3] << 24)) >>>
		0;
	nonce.set(packet.subarray(sampleOffset + 4, sampleOffset + SAMPLE_BYTES));
	const input = packet.subarray(target, target + length);
	const output = out.subarray(outOffset, outOffset + length);
	if (output !== input) output.set(input);
	sodium.crypto_stream_chacha20_ietf_xor_ic(output, output, nonce, counter, headerKey);
}
