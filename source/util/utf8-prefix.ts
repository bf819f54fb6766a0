/**
 * The UTF-8 bytes of `text`, cut to at most `maxBytes` at a character boundary. Error and close
 * reasons are bounded on the wire; cutting mid-character would hand the peer a replacement
 * character (or an invalid sequence to a stricter second implementation).
 */
export function utf8Prefix(text: string, maxBytes: number): Buffer {
	const bytes = Buffer.from(text, 'utf8');
	if (bytes.length <= maxBytes) return bytes;
	let end = maxBytes;
	// Step back over continuation bytes (10xxxxxx) to the start of the cut character.
	while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
	return bytes.subarray(0, end);
}
