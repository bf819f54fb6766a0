import type {LedgerEvent} from './ledger-records.js';
import {encodeEvents, type WireEvent, wireEventLength} from './messages.js';

/** Events per market.events answer: ~60 bytes each, well inside one datagram (1169 bytes). */
export const EVENTS_PAGE_BYTES = 1000;

/** The answer to market.events: as many of `events` (oldest first) as fit one page. */
export function encodeEventsPage(events: readonly LedgerEvent[]): Uint8Array {
	const page: WireEvent[] = [];
	let bytes = 1;
	for (const event of events) {
		const wire: WireEvent = {
			id: event.id,
			seq: event.seq,
			time: event.time,
			kind: event.kind,
			amount: event.amount,
			...(event.reason ? {reason: event.reason} : {}),
			...(event.rail ? {rail: event.rail} : {}),
			...(event.chunk ? {chunk: Buffer.from(event.chunk, 'hex')} : {}),
		};
		bytes += wireEventLength(wire);
		if (bytes > EVENTS_PAGE_BYTES) break;
		page.push(wire);
	}

	return encodeEvents(page);
}
