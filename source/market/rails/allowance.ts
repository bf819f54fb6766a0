import {randomBytes} from 'node:crypto';
import {TornetError} from '../../errors.js';
import type {PeerIdentity} from '../../wire/handshake.js';
import {encodeAmount} from '../amount.js';
import {decodeAmountBody, decodeSettleAnswer, encodeSettleAnswer} from '../messages.js';
import {
	type MarketLink,
	peerKey,
	type RailContext,
	type SettleResult,
	type SettlementRail,
} from './rail.js';

export const ALLOWANCE_METHOD = 'market.allowance';

/**
 * Time-based allowance (Swarm's pseudosettle): a creditor forgives each debtor up to
 * `allowancePerSecond` credits for every second since it last did, so peers that trade about
 * equally never need to pay. The debtor asks; the creditor decides the amount inside its ledger's
 * critical section, records it, and answers with the event id the debtor records too.
 *
 * With `allowanceReciprocal` (the default) the creditor also forgives no more than the debtor
 * served it since the last allowance: the allowance smooths out the noise between peers that both
 * serve, and a pure downloader gets nothing from it (docs/economics.md measures the difference).
 */
export class AllowanceRail implements SettlementRail {
	readonly name = 'allowance' as const;
	readonly methods = [ALLOWANCE_METHOD];
	readonly enabled: boolean;
	private readonly context: RailContext;

	constructor(context: RailContext) {
		this.context = context;
		this.enabled = context.settings.allowancePerSecond > 0n;
	}

	/** What the creditor would forgive now (the grant is computed again when applied). */
	grant(
		account: {balance: bigint; received: bigint; allowance: {at: number; received: bigint}},
		requested: bigint,
	): bigint {
		const {settings} = this.context;
		const elapsedMs = Math.max(0, this.context.now() - account.allowance.at);
		let grant = (settings.allowancePerSecond * BigInt(Math.floor(elapsedMs))) / 1000n;
		if (requested < grant) grant = requested;
		if (account.balance < grant) grant = account.balance;
		if (settings.allowanceReciprocal) {
			const served = account.received - account.allowance.received;
			if (served < grant) grant = served;
		}

		return grant > 0n ? grant : 0n;
	}

	async settle(link: MarketLink, amount: bigint): Promise<SettleResult> {
		const peer = peerKey(link.peer.id);
		const answer = decodeSettleAnswer(await link.request(ALLOWANCE_METHOD, encodeAmount(amount)));
		if (!answer) throw TornetError.badMessage('bad market.allowance answer');
		if (answer.amount === 0n) {
			const account = await this.context.ledger.account(peer);
			return {rail: this.name, amount: 0n, balance: account.balance};
		}

		const result = await this.context.ledger.apply(peer, {
			id: answer.eventId,
			kind: 'settled-out',
			amount: answer.amount,
			rail: this.name,
		});
		return {rail: this.name, amount: answer.amount, balance: result.account.balance};
	}

	async handle(_method: string, body: Buffer, peer: PeerIdentity): Promise<Uint8Array> {
		const requested = decodeAmountBody(body);
		if (requested === undefined) throw TornetError.badMessage('bad market.allowance request');
		if (!this.enabled) throw TornetError.notRunning('this node gives no allowance');
		const id = `allowance-${randomBytes(8).toString('hex')}`;
		const now = this.context.now();
		const result = await this.context.ledger.apply(
			peerKey(peer.id),
			{id, kind: 'settled-in', amount: 0n, rail: this.name},
			{
				check: (account) => this.grant(account, requested),
				patch: (account) => ({...account, allowance: {at: now, received: account.received}}),
			},
		);
		const amount = result.event?.amount ?? 0n;
		return encodeSettleAnswer({
			amount,
			serial: 0,
			eventId: result.applied ? id : '',
			balance: result.account.balance,
		});
	}
}
