import {TornetError} from '../errors.js';
import type {Connection} from '../transport/connection.js';
import type {PeerIdentity} from '../wire/handshake.js';

/**
 * Request fees on the wire, and the hooks the servers and clients of paid requests take (the node
 * plugs the market into them; this layer knows nothing of prices or ledgers).
 *
 * A paid request (dht.node, dht.chunk, dht.ref: the lookup fee; chunk.meta: the request fee) ends
 * with a fee tag: the requester's tab (its requests to that responder over up to a second, named
 * by 8 random bytes) and the request's place in it. The responder charges each place once and
 * cuts the tab into segments as it likes (one per request at low rates, up to 64 under load);
 * when it writes a segment to its ledger it tells the requester with a `fee.tab` notice, and the
 * requester writes the same segment under the same id. A synced ledger write per lookup would
 * cost more than the lookup; this way both ledgers hold the same events, written ms apart.
 *
 *   tag     = 8 tab id ‖ u8 place (0–63)
 *   fee.tab = u8 kind (0 lookup, 1 request) ‖ 8 tab id ‖ u8 segment (0–63) ‖ u8 count (1–64)
 *   event   = `<kind>-<tab hex>` for segment 0, `<kind>-<tab hex>.<segment>` after it
 */
export type FeeKind = 'lookup' | 'request';

export type FeeTag = {tab: Buffer; seq: number};
export type TabSegment = {kind: FeeKind; tab: Buffer; segment: number; count: number};

export const TAB_ID_BYTES = 8;
export const FEE_TAG_BYTES = TAB_ID_BYTES + 1;
/** Places per tab: the place byte's range. */
export const TAB_REQUESTS = 64;
export const FEE_TAB_NOTICE = 'fee.tab';
const NOTICE_BYTES = 1 + TAB_ID_BYTES + 1 + 1;
const KINDS: readonly FeeKind[] = ['lookup', 'request'];

/**
 * Serving side: runs after the request decoded and before it is answered. It charges the fee (a
 * resent place at most once) or throws the refusal the requester gets (PAYMENT_REQUIRED, …).
 */
export type AdmitRequest = (
	connection: Connection,
	kind: FeeKind,
	tag: FeeTag | undefined,
) => Promise<void>;

/**
 * Asking side: the tag for one request to `peer`, or undefined to send none. `end` is called once
 * with whether the responder answered (a chunk.meta NOT_FOUND is an answer too): the requester
 * records what it owes when the responder's notice says so, and reconciles when it never does.
 */
export type FeeTicket = {tag: FeeTag; end(answered: boolean, error?: unknown): void};
export type TagRequest = (peer: PeerIdentity, kind: FeeKind) => FeeTicket | undefined;

/** The request's bytes with the tag (if any) after them. */
export function appendFeeTag(message: Uint8Array, tag: FeeTag | undefined): Uint8Array {
	if (!tag) return message;
	if (tag.tab.length !== TAB_ID_BYTES) throw TornetError.badArgument('a tab id has 8 bytes');
	if (!Number.isInteger(tag.seq) || tag.seq < 0 || tag.seq >= TAB_REQUESTS)
		throw TornetError.badArgument(`a fee tag's place is below ${TAB_REQUESTS}`);
	const out = Buffer.allocUnsafe(message.length + FEE_TAG_BYTES);
	out.set(message, 0);
	tag.tab.copy(out, message.length);
	out[message.length + TAB_ID_BYTES] = tag.seq;
	return out;
}

/**
 * Total: a body of exactly `plainBytes` has no tag; `plainBytes` + 9 ends with one; any other
 * length is returned whole for the message decoder to refuse. A tag with a place past 63 is
 * BAD_MESSAGE. The parts are views into `body`.
 */
export function splitFeeTag(
	body: Buffer,
	plainBytes: number,
): {message: Buffer; tag?: FeeTag} | TornetError {
	if (body.length !== plainBytes + FEE_TAG_BYTES) return {message: body};
	const seq = body[plainBytes + TAB_ID_BYTES];
	if (seq >= TAB_REQUESTS) return TornetError.badMessage(`fee tag place ${seq} is past 63`);
	return {
		message: body.subarray(0, plainBytes),
		tag: {tab: body.subarray(plainBytes, plainBytes + TAB_ID_BYTES), seq},
	};
}

export function encodeTabNotice(notice: TabSegment): Buffer {
	const {segment, count} = notice;
	if (notice.tab.length !== TAB_ID_BYTES) throw TornetError.badArgument('a tab id has 8 bytes');
	if (!Number.isInteger(segment) || segment < 0 || segment >= TAB_REQUESTS)
		throw TornetError.badArgument('a tab has at most 64 segments');
	if (!Number.isInteger(count) || count < 1 || count > TAB_REQUESTS)
		throw TornetError.badArgument('a segment holds 1 to 64 fees');
	const out = Buffer.allocUnsafe(NOTICE_BYTES);
	out[0] = KINDS.indexOf(notice.kind);
	notice.tab.copy(out, 1);
	out[1 + TAB_ID_BYTES] = segment;
	out[2 + TAB_ID_BYTES] = count;
	return out;
}

/** Total: undefined for anything but a well-formed notice. */
export function decodeTabNotice(body: Uint8Array): TabSegment | undefined {
	if (body.length !== NOTICE_BYTES) return undefined;
	const kind = KINDS[body[0]];
	const segment = body[1 + TAB_ID_BYTES];
	const count = body[2 + TAB_ID_BYTES];
	if (!kind || segment >= TAB_REQUESTS || count < 1 || count > TAB_REQUESTS) return undefined;
	return {kind, tab: Buffer.from(body.subarray(1, 1 + TAB_ID_BYTES)), segment, count};
}

/** The ledger event id both sides give a segment of a tab (≤ 27 printable ASCII). */
export function segmentEventId(kind: FeeKind, tab: Uint8Array, segment: number): string {
	const base = `${kind}-${Buffer.from(tab).toString('hex')}`;
	return segment === 0 ? base : `${base}.${segment}`;
}
