import {TornetError} from '../../errors.js';
import {parseBtc} from './bip21.js';

/**
 * What the Bitcoin rail asks of a full node: how much an address has received. The operator runs
 * Bitcoin Core with a watch-only wallet holding the descriptor of its extended public key
 * (`importdescriptors` with `wpkh(<xpub>/0/*)`), so every invoice address is watched.
 */
export type BitcoinNode = {
	receivedByAddress(address: string, minConfirmations: number): Promise<bigint>;
};

export type BitcoinCoreOptions = {
	/** e.g. http://127.0.0.1:8332/wallet/tornet */
	url: string;
	user: string;
	password: string;
	timeoutMs?: number;
};

/** Bitcoin Core's JSON-RPC (1.0 style, HTTP basic auth) through fetch. */
export class BitcoinCoreRpc implements BitcoinNode {
	private readonly options: BitcoinCoreOptions;
	private nextId = 1;

	constructor(options: BitcoinCoreOptions) {
		this.options = options;
	}

	async call(method: string, params: unknown[]): Promise<unknown> {
		const {url, user, password, timeoutMs = 10_000} = this.options;
		let response: Response;
		try {
			response = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
				},
				body: JSON.stringify({jsonrpc: '1.0', id: this.nextId++, method, params}),
				signal: AbortSignal.timeout(timeoutMs),
			});
		} catch (error) {
			throw TornetError.notRunning(`bitcoin node at ${url}: ${(error as Error).message}`);
		}

		const text = await response.text();
		let reply: {result?: unknown; error?: {message?: string} | null};
		try {
			reply = JSON.parse(text) as typeof reply;
		} catch {
			throw TornetError.badMessage(`bitcoin node answered HTTP ${response.status} without JSON`);
		}

		if (reply.error) throw TornetError.remote('BITCOIN', reply.error.message ?? 'error');
		return reply.result;
	}

	async receivedByAddress(address: string, minConfirmations: number): Promise<bigint> {
		const result = await this.call('getreceivedbyaddress', [address, minConfirmations]);
		// Amounts below 2^53 satoshis are exact in a double at 8 decimals.
		const sats = typeof result === 'number' ? parseBtc(result.toFixed(8)) : undefined;
		if (sats === undefined) throw TornetError.badMessage('bitcoin node gave no amount');
		return sats;
	}
}
