import {ID_BYTES} from '../identity/id.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';
import {
	amountLength,
	readAmount,
	readSigned,
	signedLength,
	writeAmount,
	writeSigned,
} from './amount.js';
import {RAIL_NAMES, type RailName} from './credit-line.js';
import {
	EVENT_ID_PATTERN,
	EVENT_KINDS,
	type EventKind,
	SERVICE_REASONS,
	type ServiceReason,
} from './ledger-records.js';

/**
 * Bodies of the market RPC methods (docs/protocol.md, "Market"). Every decoder is total: bad bytes
 * give undefined, never a throw. Amounts use amount.ts (u8 length ‖ big-endian magnitude).
 */

/** market.balance response: the responder's account with the requester, from its side. */
export type BalanceView = {
	/** Positive: the requester owes the responder. */
	balance: bigint;
	sent: bigint;
	received: bigint;
	chequeIn: bigint;
	chequeOut: bigint;
	seq: number;
	/** The line the responder extends to the requester, and the cheques it would still accept. */
	line: bigint;
	chequeRoom: bigint;
	rails: RailName[];
	/**
	 * The responder's prices (absent from nodes that predate them): a fetcher computes what a
	 * transfer costs with the seller's terms, so both ledgers record the same amount.
	 */
	terms?: PriceTerms;
};

/** What a node charges (pricing.ts): the seller's terms, which the buyer's ledger must use. */
export type PriceTerms = {
	multiplierPermille: number;
	floorBits: number;
	lookupFee: bigint;
	requestFee: bigint;
};

/** Bounds of the terms a peer may announce (settings.ts validates ours the same way). */
const MAX_MULTIPLIER_PERMILLE = 1_000_000;
const MAX_FLOOR_BITS = 160;
const MAX_FEE = (1n << 64n) - 1n;

export function encodeBalanceView(view: BalanceView): Buffer {
	const amounts = [view.sent, view.received, view.chequeIn, view.chequeOut];
	let length = signedLength(view.balance) + varintLength(view.seq) + 1;
	for (const value of [...amounts, view.line, view.chequeRoom]) length += amountLength(value);
	const {terms} = view;
	if (terms) {
		length += varintLength(terms.multiplierPermille) + 1;
		length += amountLength(terms.lookupFee) + amountLength(terms.requestFee);
	}

	const out = Buffer.alloc(length);
	let offset = writeSigned(out, 0, view.balance);
	for (const value of amounts) offset = writeAmount(out, offset, value);
	offset = writeVarint(out, offset, view.seq);
	offset = writeAmount(out, offset, view.line);
	offset = writeAmount(out, offset, view.chequeRoom);
	out[offset++] = railMask(view.rails);
	if (terms) {
		offset = writeVarint(out, offset, terms.multiplierPermille);
		out[offset++] = terms.floorBits;
		offset = writeAmount(out, offset, terms.lookupFee);
		writeAmount(out, offset, terms.requestFee);
	}

	return out;
}

export function decodeBalanceView(bytes: Uint8Array): BalanceView | undefined {
	const reader = new Reader(bytes);
	const balance = readSigned(reader);
	const sent = readAmount(reader);
	const received = readAmount(reader);
	const chequeIn = readAmount(reader);
	const chequeOut = readAmount(reader);
	const seq = reader.varint();
	const line = readAmount(reader);
	const chequeRoom = readAmount(reader);
	const mask = reader.u8();
	if (reader.failed || mask >= 1 << RAIL_NAMES.length) return undefined;
	const rails = railsOf(mask);
	const view: BalanceView = {
		balance,
		sent,
		received,
		chequeIn,
		chequeOut,
		seq,
		line,
		chequeRoom,
		rails,
	};
	if (reader.done) return view;
	const multiplierPermille = reader.varint();
	const floorBits = reader.u8();
	const lookupFee = readAmount(reader);
	const requestFee = readAmount(reader);
	if (
		reader.failed ||
		!reader.done ||
		multiplierPermille > MAX_MULTIPLIER_PERMILLE ||
		floorBits > MAX_FLOOR_BITS ||
		lookupFee > MAX_FEE ||
		requestFee > MAX_FEE
	)
		return undefined;
	return {...view, terms: {multiplierPermille, floorBits, lookupFee, requestFee}};
}

function railMask(rails: RailName[]): number {
	let mask = 0;
	for (const rail of rails) mask |= 1 << RAIL_NAMES.indexOf(rail);
	return mask;
}

function railsOf(mask: number): RailName[] {
	return RAIL_NAMES.filter((_rail, index) => (mask & (1 << index)) !== 0);
}

/** market.events request: events with seq > since, at most limit. */
export function encodeEventsRequest(since: number, limit: number): Buffer {
	const out = Buffer.alloc(varintLength(since) + varintLength(limit));
	writeVarint(out, writeVarint(out, 0, since), limit);
	return out;
}

export function decodeEventsRequest(bytes: Uint8Array): {since: number; limit: number} | undefined {
	const reader = new Reader(bytes);
	const since = reader.varint();
	const limit = reader.varint();
	return reader.failed || !reader.done ? undefined : {since, limit};
}

/** An event as a peer reports it (its own view: kinds are the sender's). */
export type WireEvent = {
	id: string;
	seq: number;
	time: number;
	kind: EventKind;
	amount: bigint;
	reason?: ServiceReason;
	rail?: RailName;
	chunk?: Buffer;
};

const HAS_CHUNK = 0x80;

export function wireEventLength(event: WireEvent): number {
	return (
		1 +
		event.id.length +
		varintLength(event.seq) +
		varintLength(event.time) +
		2 +
		amountLength(event.amount) +
		(event.chunk ? ID_BYTES : 0)
	);
}

/** u8 count ‖ per event: u8 id length ‖ id ‖ varint seq ‖ varint time ‖ u8 kind|flags ‖ u8 detail ‖ amount ‖ [20 chunk] */
export function encodeEvents(events: WireEvent[]): Buffer {
	let length = 1;
	for (const event of events) length += wireEventLength(event);
	const out = Buffer.alloc(length);
	out[0] = events.length;
	let offset = 1;
	for (const event of events) {
		out[offset++] = event.id.length;
		offset += out.write(event.id, offset, 'latin1');
		offset = writeVarint(out, offset, event.seq);
		offset = writeVarint(out, offset, event.time);
		out[offset++] = EVENT_KINDS.indexOf(event.kind) | (event.chunk ? HAS_CHUNK : 0);
		out[offset++] = event.reason
			? 1 + SERVICE_REASONS.indexOf(event.reason)
			: event.rail
				? 16 + RAIL_NAMES.indexOf(event.rail)
				: 0;
		offset = writeAmount(out, offset, event.amount);
		if (event.chunk) {
			out.set(event.chunk, offset);
			offset += ID_BYTES;
		}
	}

	return out;
}

export function decodeEvents(bytes: Uint8Array): WireEvent[] | undefined {
	const reader = new Reader(bytes);
	const count = reader.u8();
	const events: WireEvent[] = [];
	for (let i = 0; i < count && !reader.failed; i++) {
		const idLength = reader.u8();
		const id = Buffer.from(reader.bytesView(idLength)).toString('latin1');
		const seq = reader.varint();
		const time = reader.varint();
		const kindByte = reader.u8();
		const detail = reader.u8();
		const amount = readAmount(reader);
		const kind = EVENT_KINDS[kindByte & ~HAS_CHUNK];
		const chunk = kindByte & HAS_CHUNK ? reader.buffer(ID_BYTES) : undefined;
		if (reader.failed || kind === undefined || !EVENT_ID_PATTERN.test(id)) return undefined;
		const event: WireEvent = {id, seq, time, kind, amount};
		if (detail >= 1 && detail <= SERVICE_REASONS.length) event.reason = SERVICE_REASONS[detail - 1];
		else if (detail >= 16 && detail < 16 + RAIL_NAMES.length) event.rail = RAIL_NAMES[detail - 16];
		else if (detail !== 0) return undefined;
		if (chunk) event.chunk = chunk;
		events.push(event);
	}

	return reader.failed || !reader.done ? undefined : events;
}

/** A settlement's answer: what was accepted, under which event id, and the balance after. */
export type SettleAnswer = {amount: bigint; serial: number; eventId: string; balance: bigint};

export function encodeSettleAnswer(answer: SettleAnswer): Buffer {
	const out = Buffer.alloc(
		amountLength(answer.amount) +
			varintLength(answer.serial) +
			1 +
			answer.eventId.length +
			signedLength(answer.balance),
	);
	let offset = writeAmount(out, 0, answer.amount);
	offset = writeVarint(out, offset, answer.serial);
	out[offset++] = answer.eventId.length;
	offset += out.write(answer.eventId, offset, 'latin1');
	writeSigned(out, offset, answer.balance);
	return out;
}

export function decodeSettleAnswer(bytes: Uint8Array): SettleAnswer | undefined {
	const reader = new Reader(bytes);
	const amount = readAmount(reader);
	const serial = reader.varint();
	const idLength = reader.u8();
	const eventId = Buffer.from(reader.bytesView(idLength)).toString('latin1');
	const balance = readSigned(reader);
	if (reader.failed || !reader.done || (idLength > 0 && !EVENT_ID_PATTERN.test(eventId)))
		return undefined;
	return {amount, serial, eventId, balance};
}

/** A single amount (market.allowance and market.invoice requests). */
export function decodeAmountBody(bytes: Uint8Array): bigint | undefined {
	const reader = new Reader(bytes);
	const amount = readAmount(reader);
	return reader.failed || !reader.done ? undefined : amount;
}

/** A short text (a BIP21 URI, an address): u16 length ‖ UTF-8. */
export function encodeText(text: string): Buffer {
	const bytes = Buffer.from(text, 'utf8');
	const out = Buffer.alloc(2 + bytes.length);
	out.writeUInt16BE(bytes.length, 0);
	bytes.copy(out, 2);
	return out;
}

export function decodeText(bytes: Uint8Array, max = 1024): string | undefined {
	const reader = new Reader(bytes);
	const length = reader.u16();
	const text = reader.bytesView(length);
	if (reader.failed || !reader.done || length > max) return undefined;
	return Buffer.from(text).toString('utf8');
}
