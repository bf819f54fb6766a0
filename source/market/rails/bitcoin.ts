import {createHash} from 'node:crypto';
import {TornetError} from '../../errors.js';
import {shortId} from '../../identity/id.js';
import type {PeerIdentity} from '../../wire/handshake.js';
import {encodeAmount} from '../amount.js';
import {
	decodeAmountBody,
	decodeSettleAnswer,
	decodeText,
	encodeSettleAnswer,
	encodeText,
} from '../messages.js';
import {decodeBip21, encodeBip21} from './bip21.js';
import type {BitcoinNode} from './bitcoin-node.js';
import {
	type MarketLink,
	peerKey,
	type RailContext,
	type SettleResult,
	type SettlementRail,
} from './rail.js';

export const INVOICE_METHOD = 'market.invoice';
export const PAID_METHOD = 'market.paid';

/** Fresh receiving addresses: BIP32 public derivation from the operator's extended public key. */
export type AddressSource = {address(index: number): string};

export type BitcoinRailOptions = {
	addresses?: AddressSource;
	node?: BitcoinNode;
	minConfirmations?: number;
};

/** Why the rail is off when market.json has no `bitcoin` section (rails/bitcoin-config.ts). */
export const NO_DERIVATION =
	'bitcoin rail disabled: no extended public key configured (market.json: bitcoin.xpub)';

type Invoice = {peer: string; credits: string; sats: string; uri: string};

/**
 * The creditor names a price in satoshis per million credits. `market.invoice` answers a BIP21
 * request to a fresh address (next index, persisted) for the credits the debtor wants to settle;
 * the debtor's operator pays it with any wallet; `market.paid` then asks the creditor to check its
 * Bitcoin node and, once the address has received the amount, reverse the debt (event
 * `bitcoin-<hash>`, recorded by both sides, with a hash of the address). Payment verification trusts the operator's own
 * node, never the peer.
 */
export class BitcoinRail implements SettlementRail {
	readonly name = 'bitcoin' as const;
	readonly methods = [INVOICE_METHOD, PAID_METHOD];
	readonly enabled: boolean;
	readonly disabledReason?: string;
	private readonly context: RailContext;
	private readonly options: BitcoinRailOptions;

	constructor(context: RailContext, options: BitcoinRailOptions = {}) {
		this.context = context;
		this.options = options;
		const reason = !options.addresses
			? NO_DERIVATION
			: !options.node
				? 'bitcoin rail disabled: no bitcoin node configured'
				: context.settings.satsPerMegacredit <= 0
					? 'bitcoin rail disabled: no price set (satsPerMegacredit)'
					: undefined;
		this.enabled = reason === undefined;
		if (reason) this.disabledReason = reason;
	}

	/** Satoshis for `credits` at our price, rounded up. */
	sats(credits: bigint): bigint {
		const microsats = BigInt(Math.round(this.context.settings.satsPerMegacredit * 1e6));
		return (credits * microsats + 10n ** 12n - 1n) / 10n ** 12n;
	}

	async settle(link: MarketLink, amount: bigint): Promise<SettleResult> {
		const peer = peerKey(link.peer.id);
		const pendingKey = `b!pending!${peer}`;
		const pending = await this.context.store.get(pendingKey);
		if (pending !== undefined) {
			const request = decodeBip21(pending);
			if (!request) throw TornetError.badArgument('stored invoice is damaged');
			const answer = decodeSettleAnswer(
				await link.request(PAID_METHOD, encodeText(request.address)),
			);
			if (!answer) throw TornetError.badMessage('bad market.paid answer');
			if (answer.amount === 0n) {
				const account = await this.context.ledger.account(peer);
				return {rail: this.name, amount: 0n, balance: account.balance, pending};
			}

			const result = await this.context.ledger.apply(peer, {
				id: answer.eventId,
				kind: 'settled-out',
				amount: answer.amount,
				rail: this.name,
			});
			await this.context.store.batch([{type: 'del', key: pendingKey}]);
			return {rail: this.name, amount: answer.amount, balance: result.account.balance};
		}

		const uri = decodeText(await link.request(INVOICE_METHOD, encodeAmount(amount)));
		if (uri === undefined || !decodeBip21(uri))
			throw TornetError.badMessage('bad market.invoice answer');
		await this.context.store.batch([{type: 'put', key: pendingKey, value: uri}]);
		const account = await this.context.ledger.account(peer);
		return {rail: this.name, amount: 0n, balance: account.balance, pending: uri};
	}

	async handle(method: string, body: Buffer, peer: PeerIdentity): Promise<Uint8Array> {
		if (!this.enabled || !this.options.addresses || !this.options.node)
			throw TornetError.notRunning(this.disabledReason ?? 'bitcoin rail disabled');
		return method === INVOICE_METHOD ? this.invoice(body, peer) : this.paid(body, peer);
	}

	private async invoice(body: Buffer, peer: PeerIdentity): Promise<Uint8Array> {
		const credits = decodeAmountBody(body);
		if (credits === undefined || credits === 0n)
			throw TornetError.badMessage('bad market.invoice request');
		const {store, identity} = this.context;
		const index = Number((await store.get('b!next')) ?? '0');
		const address = this.options.addresses!.address(index);
		const sats = this.sats(credits);
		const uri = encodeBip21({
			address,
			sats,
			label: `tornet ${shortId(identity.id)}`,
			message: `settles ${credits} credits`,
		});
		const invoice: Invoice = {
			peer: peerKey(peer.id),
			credits: String(credits),
			sats: String(sats),
			uri,
		};
		await store.batch([
			{type: 'put', key: 'b!next', value: String(index + 1)},
			{type: 'put', key: `b!invoice!${address}`, value: JSON.stringify(invoice)},
		]);
		return encodeText(uri);
	}

	private async paid(body: Buffer, peer: PeerIdentity): Promise<Uint8Array> {
		const address = decodeText(body, 128);
		if (address === undefined) throw TornetError.badMessage('bad market.paid request');
		const text = await this.context.store.get(`b!invoice!${address}`);
		const invoice = text === undefined ? undefined : (JSON.parse(text) as Invoice);
		if (!invoice || invoice.peer !== peerKey(peer.id))
			throw TornetError.notFound(`invoice ${address}`);
		const received = await this.options.node!.receivedByAddress(
			address,
			this.options.minConfirmations ?? 1,
		);
		// Addresses run to 62 characters; ids stop at 64.
		const id = `bitcoin-${createHash('sha256').update(address).digest('hex').slice(0, 40)}`;
		const peerId = peerKey(peer.id);
		if (received < BigInt(invoice.sats)) {
			const account = await this.context.ledger.account(peerId);
			return encodeSettleAnswer({amount: 0n, serial: 0, eventId: '', balance: account.balance});
		}

		const credits = BigInt(invoice.credits);
		const result = await this.context.ledger.apply(peerId, {
			id,
			kind: 'settled-in',
			amount: credits,
			rail: this.name,
		});
		return encodeSettleAnswer({
			amount: credits,
			serial: 0,
			eventId: id,
			balance: result.account.balance,
		});
	}
}
