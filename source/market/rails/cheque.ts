import {TornetError} from '../../errors.js';
import type {PeerIdentity} from '../../wire/handshake.js';
import {paymentRequired} from '../credit-line.js';
import {decodeCheque, encodeCheque, signCheque, verifyCheque} from '../cheque.js';
import {decodeBalanceView, decodeSettleAnswer, encodeSettleAnswer} from '../messages.js';
import {BALANCE_METHOD} from '../method-names.js';
import {RateLimit} from '../rate-limit.js';
import {
	type MarketLink,
	peerKey,
	type RailContext,
	type SettleResult,
	type SettlementRail,
} from './rail.js';

export const CHEQUE_METHOD = 'market.cheque';

/** Both sides' event id for a cheque; the payer is named because cheques flow both ways. */
export function chequeEventId(payer: Uint8Array, serial: number): string {
	return `cheque-${Buffer.from(payer).toString('hex').slice(0, 16)}-${serial}`;
}

/**
 * Signed cumulative cheques. The debtor persists the next serial, signs (payee, cumulative,
 * serial) and sends the cheque; the creditor checks the payer is the connected peer, the payee is
 * itself, the serial and the amount both grew, and the signature; then, in one batch, it reverses
 * the debt by the increment and stores the cheque. The debtor records the same increment under the
 * same event id (`cheque-<payer>-<serial>`) when the answer comes back.
 *
 * A cheque is a signed IOU, not money: nothing backs it but the payer's identity. So a creditor
 * accepts a peer's cheques only while they exceed ours to that peer by at most its cheque limit
 * (`chequeLimitLines` lines). Between peers that trade both ways cheques net out; an identity that
 * signs and never serves can add at most that limit to its line (docs/economics.md).
 */
export class ChequeRail implements SettlementRail {
	readonly name = 'cheque' as const;
	readonly methods = [CHEQUE_METHOD];
	readonly enabled: boolean;
	private readonly context: RailContext;
	private readonly limit: RateLimit;

	constructor(context: RailContext) {
		this.context = context;
		this.enabled = context.settings.chequeLimitLines > 0;
		this.limit = new RateLimit({perMinute: context.settings.chequesPerMinute});
	}

	async settle(link: MarketLink, amount: bigint): Promise<SettleResult> {
		if (amount <= 0n) throw TornetError.badArgument('a cheque pays a positive amount');
		const {ledger, identity} = this.context;
		const peer = peerKey(link.peer.id);
		// Build on what the payee has accepted, not on our own record: after a crash ours can lag,
		// and a cheque built on it would pay less than we think.
		const view = decodeBalanceView(await link.request(BALANCE_METHOD, Buffer.alloc(0)));
		if (!view) throw TornetError.badMessage('bad market.balance answer');
		// The serial is on disk before the cheque leaves: it is never signed twice for two amounts.
		const account = await ledger.update(peer, (current) => ({
			...current,
			chequeOut: {...current.chequeOut, serial: current.chequeOut.serial + 1},
		}));
		const base =
			view.chequeIn > account.chequeOut.cumulative ? view.chequeIn : account.chequeOut.cumulative;
		const cheque = signCheque(
			{payee: link.peer.id, serial: account.chequeOut.serial, cumulative: base + amount},
			identity,
		);
		const answer = decodeSettleAnswer(await link.request(CHEQUE_METHOD, encodeCheque(cheque)));
		if (!answer) throw TornetError.badMessage('bad market.cheque answer');
		return this.record(peer, answer);
	}

	/** Record the increment the payee applied, under the payee's event id for it. */
	async record(peer: string, answer: {amount: bigint; serial: number}): Promise<SettleResult> {
		const result = await this.context.ledger.apply(
			peer,
			{
				id: chequeEventId(this.context.identity.id, answer.serial),
				kind: 'settled-out',
				amount: answer.amount,
				rail: this.name,
			},
			{
				patch: (account) => ({
					...account,
					chequeOut: {
						serial: Math.max(account.chequeOut.serial, answer.serial),
						cumulative: account.chequeOut.cumulative + answer.amount,
					},
				}),
			},
		);
		return {
			rail: this.name,
			amount: result.applied ? answer.amount : 0n,
			balance: result.account.balance,
		};
	}

	async handle(_method: string, body: Buffer, peer: PeerIdentity): Promise<Uint8Array> {
		const {ledger, identity} = this.context;
		const cheque = decodeCheque(body);
		if (!cheque) throw TornetError.badMessage('bad cheque');
		if (!cheque.payerKey.equals(peer.publicKey))
			throw TornetError.badArgument('a cheque must be signed by the peer that sends it');
		if (!cheque.payee.equals(identity.id)) throw TornetError.badArgument('the cheque is not to us');
		if (!this.limit.take(peerKey(peer.id), this.context.now()))
			throw TornetError.tooManyRequests('too many cheques; wait a minute');
		if (!verifyCheque(cheque)) throw TornetError.badSignature('cheque');
		const result = await ledger.apply(
			peerKey(peer.id),
			{id: chequeEventId(peer.id, cheque.serial), kind: 'settled-in', amount: 0n, rail: this.name},
			{
				check: (account) => {
					const last = account.chequeIn;
					if (cheque.serial <= last.serial)
						throw new TornetError(
							'REPLAYED',
							`cheque ${cheque.serial} is not newer than ${last.serial}`,
						);
					if (cheque.cumulative <= last.cumulative) {
						throw TornetError.badArgument(
							`cheque total ${cheque.cumulative} does not exceed the last one, ${last.cumulative}`,
						);
					}

					const chequeLimit = this.context.chequeLimitFor(peer.rank, account.received);
					const outstanding = cheque.cumulative - account.chequeOut.cumulative;
					if (outstanding > chequeLimit) {
						throw paymentRequired({
							owed: account.balance,
							line: chequeLimit,
							price: cheque.cumulative - last.cumulative,
							rails: this.context.railsOffered().filter((rail) => rail !== 'cheque'),
						});
					}

					return cheque.cumulative - last.cumulative;
				},
				patch: (account) => ({
					...account,
					publicKey: peer.publicKey.toString('hex'),
					chequeIn: {
						serial: cheque.serial,
						cumulative: cheque.cumulative,
						cheque: body.toString('hex'),
					},
				}),
			},
		);
		// The same cheque again (a replay, or a retry whose answer was lost) changes nothing.
		if (!result.applied)
			throw new TornetError('REPLAYED', `cheque ${cheque.serial} was already accepted`);
		return encodeSettleAnswer({
			amount: result.event!.amount,
			serial: cheque.serial,
			eventId: result.event?.id ?? '',
			balance: result.account.balance,
		});
	}
}
