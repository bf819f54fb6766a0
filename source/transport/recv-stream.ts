import {TornetError} from '../errors.js';
import type {ReceiveWindow} from './flow-control.js';
import {RangeSet} from './range-set.js';

/**
 * Gaps (runs of out-of-order data) one stream may hold. Honest senders create one per lost packet
 * in flight; a peer fragmenting its window into thousands of islands is attacking our memory.
 */
export const MAX_STREAM_GAPS = 2048;
const COMPACT_SEGMENTS = 4096; // stored pieces before contiguous ones are merged into one buffer

/**
 * The receiving half of a stream: reassembles STREAM frames arriving out of order, duplicated or
 * overlapping into in-order bytes, enforces the stream's and the connection's flow-control
 * windows, and tracks the final size (FIN or RESET_STREAM).
 *
 * Data inside the window is always kept: the packet carrying it gets acknowledged, so the sender
 * will never send it again. Data beyond a window is a violation; the connection closes.
 */
export class RecvStream {
	readonly window: ReceiveWindow;
	/** Bytes handed to the application. */
	readOffset = 0;
	/** Known once a FIN or RESET_STREAM arrived; -1 before. */
	finalSize = -1;
	resetCode = -1;
	duplicateBytes = 0;
	private readonly connection: ReceiveWindow | undefined;
	private readonly offsets: number[] = [];
	private readonly pieces: Buffer[] = [];
	private readonly runs = new RangeSet();
	private discarding = false;

	constructor(window: ReceiveWindow, connection?: ReceiveWindow) {
		this.window = window;
		this.connection = connection;
	}

	/** In-order bytes are waiting for read(). */
	get readable(): boolean {
		return this.offsets.length > 0 && this.offsets[0] === this.readOffset;
	}

	/** Everything up to the FIN was read. */
	get isFinished(): boolean {
		return this.finalSize >= 0 && this.readOffset === this.finalSize && this.resetCode < 0;
	}

	/** Separate buffers held (memory overhead beyond the bytes themselves). */
	get storedPieces(): number {
		return this.pieces.length;
	}

	/** Bytes stored but not yet read (in order or not). */
	get bufferedBytes(): number {
		let total = 0;
		for (const piece of this.pieces) total += piece.length;
		return total;
	}

	/**
	 * A STREAM frame for this stream. `data` may be a view into the packet buffer: what is kept is
	 * copied, unless `owned` says the caller hands the memory over (then views of it are kept). Returns an error (the connection closes with it) for data beyond a flow-control
	 * window or contradicting the final size.
	 */
	onData(offset: number, data: Uint8Array, fin: boolean, owned = false): TornetError | undefined {
		const end = offset + data.length;
		const error = this.checkFinalSize(end, fin) ?? this.account(end);
		if (error) return error;
		if (fin) this.finalSize = end;
		if (this.resetCode >= 0) return undefined;
		if (this.discarding) {
			this.creditConsumed();
			return undefined;
		}

		const stored = this.store(offset, data, owned);
		if (this.runs.count > MAX_STREAM_GAPS) {
			return TornetError.protocolViolation(`stream data split into over ${MAX_STREAM_GAPS} gaps`);
		}

		if (stored && this.offsets.length > COMPACT_SEGMENTS) this.compact();
		return undefined;
	}

	/** RESET_STREAM from the peer: buffered data is dropped, its credit returned to the connection. */
	onReset(errorCode: number, finalSize: number): TornetError | undefined {
		if (this.resetCode >= 0) return undefined;
		if (finalSize < this.window.received || (this.finalSize >= 0 && finalSize !== this.finalSize)) {
			return TornetError.protocolViolation(
				`reset with final size ${finalSize} contradicts the data`,
			);
		}

		const error = this.account(finalSize);
		if (error) return error;
		this.finalSize = finalSize;
		this.resetCode = errorCode;
		this.discard();
		this.connection?.onConsumed(finalSize - this.readOffset);
		this.readOffset = finalSize;
		return undefined;
	}

	/**
	 * The application stops reading (and the connection sends STOP_SENDING): drop what is stored
	 * and return credit for everything that still arrives, so the connection window keeps moving.
	 */
	abandon(): void {
		if (this.discarding) return;
		this.discarding = true;
		this.discard();
		this.creditConsumed();
	}

	/** The next in-order bytes, or undefined when the next byte has not arrived. */
	read(): Buffer | undefined {
		if (!this.readable) return undefined;
		this.offsets.shift();
		const piece = this.pieces.shift()!;
		this.readOffset += piece.length;
		this.window.onConsumed(piece.length);
		this.connection?.onConsumed(piece.length);
		this.runs.removeBelow(this.readOffset);
		return piece;
	}

	/**
	 * The next in-order bytes as one buffer: consecutive small pieces (one per packet) are joined,
	 * up to `maxBytes`, so a reader gets one chunk per batch of packets rather than per packet.
	 * Pieces of `joinBelow` bytes or more are handed over as they are (no copy).
	 */
	readJoined(maxBytes: number, joinBelow: number): Buffer | undefined {
		if (!this.readable) return undefined;
		const {offsets, pieces} = this;
		let count = 0;
		let total = 0;
		let end = this.readOffset;
		while (
			count < pieces.length &&
			offsets[count] === end &&
			pieces[count].length < joinBelow &&
			total + pieces[count].length <= maxBytes
		) {
			total += pieces[count].length;
			end += pieces[count].length;
			count++;
		}

		if (count <= 1) return this.read();
		const joined = Buffer.concat(pieces.slice(0, count), total);
		offsets.splice(0, count);
		pieces.splice(0, count);
		this.readOffset = end;
		this.window.onConsumed(total);
		this.connection?.onConsumed(total);
		this.runs.removeBelow(end);
		return joined;
	}

	/** The limit for a MAX_STREAM_DATA frame when one is due, else 0. */
	maxStreamDataUpdate(now: number, smoothedRtt: number): number {
		if (this.finalSize >= 0 || this.discarding) return 0;
		return this.window.update(now, smoothedRtt);
	}

	private checkFinalSize(end: number, fin: boolean): TornetError | undefined {
		if (this.finalSize >= 0) {
			if (end > this.finalSize || (fin && end !== this.finalSize)) {
				return TornetError.protocolViolation(`stream data to ${end} past its final size`);
			}
		} else if (fin && end < this.window.received) {
			return TornetError.protocolViolation(`FIN at ${end} below data already received`);
		}

		return undefined;
	}

	/** Flow control: checks both windows, then counts the bytes beyond the highest seen. */
	private account(end: number): TornetError | undefined {
		if (!this.window.allows(end)) {
			return TornetError.flowControl(
				`stream data to ${end} beyond its window ${this.window.limit}`,
			);
		}

		const added = Math.max(0, end - this.window.received);
		if (added === 0) return undefined;
		const connection = this.connection;
		if (connection && !connection.allows(connection.received + added)) {
			return TornetError.flowControl(`connection data beyond its window ${connection.limit}`);
		}

		this.window.onReceived(added);
		connection?.onReceived(added);
		return undefined;
	}

	/** Stores the parts of [offset, offset + data.length) not yet held; false when all were. */
	private store(offset: number, data: Uint8Array, owned: boolean): boolean {
		const end = offset + data.length;
		let position = Math.max(offset, this.readOffset);
		const offsets = this.offsets;
		const pieces = this.pieces;
		let i = this.firstEndingAfter(position);
		let added = 0;
		while (position < end) {
			if (i < offsets.length && offsets[i] <= position) {
				position = Math.max(position, offsets[i] + pieces[i].length);
				i++;
				continue;
			}

			const gapEnd = i < offsets.length ? Math.min(offsets[i], end) : end;
			let piece: Buffer;
			if (owned) {
				piece = Buffer.from(data.buffer, data.byteOffset + position - offset, gapEnd - position);
			} else {
				piece = Buffer.allocUnsafe(gapEnd - position);
				piece.set(data.subarray(position - offset, gapEnd - offset));
			}
			if (i === offsets.length) {
				offsets.push(position); // the common case: in order
				pieces.push(piece);
			} else {
				offsets.splice(i, 0, position);
				pieces.splice(i, 0, piece);
			}

			this.runs.add(position, gapEnd);
			added += gapEnd - position;
			position = gapEnd;
			i++;
		}

		this.duplicateBytes += data.length - added;
		return added > 0;
	}

	/** Index of the first stored piece ending after `position`. */
	private firstEndingAfter(position: number): number {
		let low = 0;
		let high = this.offsets.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (this.offsets[mid] + this.pieces[mid].length > position) high = mid;
			else low = mid + 1;
		}

		return low;
	}

	/** Merges contiguous pieces (many tiny frames) so memory stays proportional to the data. */
	private compact(): void {
		const offsets = this.offsets;
		const pieces = this.pieces;
		let out = 0;
		for (let i = 0; i < offsets.length;) {
			let j = i + 1;
			let end = offsets[i] + pieces[i].length;
			while (j < offsets.length && offsets[j] === end) end += pieces[j++].length;
			offsets[out] = offsets[i];
			pieces[out] = j - i === 1 ? pieces[i] : Buffer.concat(pieces.slice(i, j));
			out++;
			i = j;
		}

		offsets.length = out;
		pieces.length = out;
	}

	private discard(): void {
		this.offsets.length = 0;
		this.pieces.length = 0;
		this.runs.clear();
	}

	/** While discarding, everything received counts as consumed at once. */
	private creditConsumed(): void {
		const unread = this.window.received - this.readOffset;
		if (unread <= 0) return;
		this.readOffset = this.window.received;
		this.window.onConsumed(unread);
		this.connection?.onConsumed(unread);
	}
}
