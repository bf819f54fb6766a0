import {isIP} from 'node:net';

/** IPv4 dotted quad → 4 bytes, IPv6 text → 16 bytes; undefined for anything else (host names). */
export function ipToBytes(host: string): Uint8Array | undefined {
	const family = isIP(host);
	if (family === 4) return Uint8Array.from(host.split('.'), Number);
	if (family === 6) return ipv6ToBytes(host);
	return undefined;
}

function ipv6ToBytes(host: string): Uint8Array | undefined {
	let text = host;
	const zone = text.indexOf('%');
	if (zone !== -1) text = text.slice(0, zone);
	const out = new Uint8Array(16);
	// An embedded dotted quad (::ffff:1.2.3.4) fills the last 4 bytes.
	let tailWords: number[] = [];
	const lastColon = text.lastIndexOf(':');
	const last = text.slice(lastColon + 1);
	if (last.includes('.')) {
		const quad = last.split('.').map(Number);
		tailWords = [(quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]];
		text = text.slice(0, lastColon + 1) + '0';
	}

	const halves = text.split('::');
	const parse = (part: string): number[] =>
		part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
	const head = parse(halves[0]);
	let tail = halves.length > 1 ? parse(halves[1]) : [];
	if (tailWords.length > 0) {
		const words = halves.length > 1 ? tail : head;
		words.pop();
		words.push(...tailWords);
		if (halves.length === 1) tail = [];
	}

	const words = [...head, ...Array.from({length: 8 - head.length - tail.length}, () => 0), ...tail];
	if (words.length !== 8) return undefined;
	for (let i = 0; i < 8; i++) {
		out[i * 2] = words[i] >>> 8;
		out[i * 2 + 1] = words[i] & 0xff;
	}

	return out;
}

/** 4 or 16 bytes → canonical text (RFC 5952: lowercase, longest zero run compressed). */
export function bytesToIp(bytes: Uint8Array): string {
	if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
	const words: number[] = [];
	for (let i = 0; i < 8; i++) words.push((bytes[i * 2] << 8) | bytes[i * 2 + 1]);
	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8;) {
		if (words[i] !== 0) {
			i++;
			continue;
		}

		let j = i;
		while (j < 8 && words[j] === 0) j++;
		if (j - i > bestLength) {
			bestStart = i;
			bestLength = j - i;
		}

		i = j;
	}

	const hex = words.map((word) => word.toString(16));
	if (bestStart === -1) return hex.join(':');
	const head = hex.slice(0, bestStart).join(':');
	const tail = hex.slice(bestStart + bestLength).join(':');
	return `${head}::${tail}`;
}
