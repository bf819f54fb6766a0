import {TornetError} from '../../errors.js';

/**
 * BIP21 payment URIs: `bitcoin:<address>[?amount=<BTC>][&label=…][&message=…]`. Amounts are
 * decimal bitcoin with at most 8 decimals, kept here as exact satoshis. Unknown parameters are
 * ignored, unknown `req-` parameters make the URI invalid (the BIP's rule).
 */
export const SATS_PER_BTC = 100_000_000n;
/** Longest URI we decode (and so encode): wallets and QR codes stay well below it. */
export const MAX_URI_LENGTH = 2048;

export type PaymentRequest = {
	address: string;
	sats?: bigint;
	label?: string;
	message?: string;
	/** Other parameters, decoded (never `req-` ones: those are refused). */
	other: Record<string, string>;
};

/** Base58 (legacy) and bech32/bech32m (segwit) address characters; the checksum is not checked. */
const ADDRESS = /^(?:[1-9A-HJ-NP-Za-km-z]{25,40}|(?:bc|tb|bcrt|BC|TB|BCRT)1[\dA-Za-z]{8,87})$/;

export function isPlausibleAddress(address: string): boolean {
	return ADDRESS.test(address);
}

export function formatBtc(sats: bigint): string {
	const whole = sats / SATS_PER_BTC;
	const fraction = (sats % SATS_PER_BTC).toString().padStart(8, '0').replace(/0+$/, '');
	return fraction ? `${whole}.${fraction}` : String(whole);
}

export function parseBtc(text: string): bigint | undefined {
	const match = /^(\d{1,8})(?:\.(\d{0,8}))?$/.exec(text);
	if (!match) return undefined;
	return BigInt(match[1]) * SATS_PER_BTC + BigInt((match[2] ?? '').padEnd(8, '0') || '0');
}

export function encodeBip21(
	request: Omit<PaymentRequest, 'other'> & {other?: Record<string, string>},
): string {
	const params: string[] = [];
	if (request.sats !== undefined) params.push(`amount=${formatBtc(request.sats)}`);
	if (request.label !== undefined) params.push(`label=${encodeURIComponent(request.label)}`);
	if (request.message !== undefined) params.push(`message=${encodeURIComponent(request.message)}`);
	for (const [key, value] of Object.entries(request.other ?? {}))
		params.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
	const uri = `bitcoin:${request.address}${params.length > 0 ? `?${params.join('&')}` : ''}`;
	// Percent-encoding can triple a label: never hand out a URI our own decoder refuses.
	if (uri.length > MAX_URI_LENGTH)
		throw TornetError.badArgument(`a payment URI of ${uri.length} characters is too long`);
	return uri;
}

/** Total: undefined for anything that is not a valid BIP21 URI. */
export function decodeBip21(uri: string): PaymentRequest | undefined {
	if (uri.length > MAX_URI_LENGTH || !/^bitcoin:/i.test(uri)) return undefined;
	const rest = uri.slice('bitcoin:'.length);
	const query = rest.indexOf('?');
	const address = query < 0 ? rest : rest.slice(0, query);
	if (!isPlausibleAddress(address)) return undefined;
	const request: PaymentRequest = {address, other: {}};
	if (query < 0) return request;
	for (const part of rest.slice(query + 1).split('&')) {
		if (part === '') continue;
		const equals = part.indexOf('=');
		let key: string;
		let value: string;
		try {
			key = decodeURIComponent(equals < 0 ? part : part.slice(0, equals));
			value = decodeURIComponent(equals < 0 ? '' : part.slice(equals + 1));
		} catch {
			return undefined;
		}

		if (key in request.other || (key === 'amount' && request.sats !== undefined)) return undefined;
		switch (key) {
			case 'amount': {
				const sats = parseBtc(value);
				if (sats === undefined) return undefined;
				request.sats = sats;
				break;
			}

			case 'label': {
				request.label = value;
				break;
			}

			case 'message': {
				request.message = value;
				break;
			}

			default: {
				if (key.startsWith('req-')) return undefined;
				request.other[key] = value;
			}
		}
	}

	return request;
}
