import {openingLine, type RailName} from './credit-line.js';
import type {Ledger} from './ledger.js';
import type {Account} from './ledger-records.js';
import type {Reservation} from './reservations.js';
import type {MarketSettings} from './settings.js';
import {StrangerBudget} from './stranger-budget.js';

type GateSettings = Pick<
	MarketSettings,
	| 'lineBytesPerRank'
	| 'lineBits'
	| 'openingLinePermille'
	| 'strangerSharePermille'
	| 'reservationTimeoutMs'
>;

/**
 * The market's side of the stranger budget (stranger-budget.ts): who counts as a stranger, the
 * budget rebuilt from the ledger on first use, and the calls around every served request.
 * `strangerSharePermille` = 1000 turns it off (strangers may take any share: the original rules).
 */
export class StrangerGate {
	readonly budget: StrangerBudget;
	private loaded?: Promise<void>;
	private readonly ledger: Ledger;
	private readonly settings: GateSettings;

	constructor(ledger: Ledger, settings: GateSettings, ownRank: number, now: () => number) {
		this.ledger = ledger;
		this.settings = settings;
		this.budget = new StrangerBudget(
			() => openingLine(ownRank, settings),
			() => settings.strangerSharePermille,
			settings.reservationTimeoutMs,
			now,
		);
	}

	get enabled(): boolean {
		return this.settings.strangerSharePermille < 1000;
	}

	/** A peer that has served us less than the opening line we give it. */
	isStranger(account: Account): boolean {
		return account.received < openingLine(account.rank, this.settings);
	}

	/** Before serving: throws PAYMENT_REQUIRED when a stranger would overspend the budget. */
	async admit(account: Account, eventId: string, price: bigint, rails: RailName[]): Promise<void> {
		if (!this.enabled) return;
		await this.load();
		if (this.isStranger(account)) this.budget.admit(account, eventId, price, rails);
		else this.budget.refresh(account, false);
	}

	/** After a served request was applied (or released: `applied` 0). */
	done(reservation: Reservation, applied: bigint): void {
		if (reservation.direction === 'serve') this.budget.done(reservation.eventId, applied);
	}

	/** After the peer settled with us or anything else changed its account. */
	async refresh(peer: string): Promise<void> {
		if (!this.enabled || !this.loaded) return;
		const account = await this.ledger.account(peer);
		this.budget.refresh(account, this.isStranger(account));
	}

	private async load(): Promise<void> {
		this.loaded ??= this.ledger.accounts().then((accounts) => {
			this.budget.load(accounts, (account) => this.isStranger(account));
		});
		return this.loaded;
	}
}
