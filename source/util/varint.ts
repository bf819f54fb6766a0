/**
 * QUIC variable-length integers (RFC 9000 §16): the top two bits of the first byte give the length
 * (1, 2, 4 or 8 bytes). Values up to 2^53 - 1 so that they stay exact JS numbers.
 */
export const VARINT_MAX = Number.MAX_SAFE_INTEGER;

export function varintLength(value: number): number {
	if (value < 0x40) return 1;
	if (value < 0x4000) return 2;
	if (value < 0x4000_0000) return 4;
	return 8;
}

/** Writes `value` at `offset` and returns the offset after it. The caller guarantees room. */
export function writeVarint(buffer: Uint8Array, offset: number, value: number): number {
	if (value < 0x40) {
		buffer[offset] = value;
		return offset + 1;
	}

	if (value < 0x4000) {
		buffer[offset] = 0x40 | (value >>> 8);
		buffer[offset + 1] = value & 0xff;
		return offset + 2;
	}

	if (value < 0x4000_0000) {
		buffer[offset] = 0x80 | (value >>> 24);
		buffer[offset + 1] = (value >>> 16) & 0xff;
		buffer[offset + 2] = (value >>> 8) & 0xff;
		buffer[offset + 3] = value & 0xff;
		return offset + 4;
	}

	const high = Math.floor(value / 0x1_0000_0000);
	const low = value >>> 0;
	buffer[offset] = 0xc0 | (high >>> 24);
	buffer[offset + 1] = (high >>> 16) & 0xff;
	buffer[offset + 2] = (high >>> 8) & 0xff;
	buffer[offset + 3] = high & 0xff;
	buffer[offset + 4] = low >>> 24;
	buffer[offset + 5] = (low >>> 16) & 0xff;
	buffer[offset + 6] = (low >>> 8) & 0xff;
	buffer[offset + 7] = low & 0xff;
	return offset + 8;
}

/**
 * A cursor over untrusted bytes. Every read checks bounds and sets `failed` instead of throwing,
 * so a decoder runs to its end and checks `failed` once: bad input is a value, never an exception.
 */
export class Reader {
	offset: number;
	failed = false;
	readonly bytes: Uint8Array;
	readonly end: number;

	constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
		this.bytes = bytes;
		this.offset = offset;
		this.end = end;
	}

	get remaining(): number {
		return this.end - this.offset;
	}

	get done(): boolean {
		return this.offset >= this.end;
	}

	u8(): number {
		if (this.offset + 1 > this.end) return this.fail();
		return this.bytes[this.offset++];
	}

	u16(): number {
		if (this.offset + 2 > this.end) return this.fail();
		const value = (this.bytes[this.offset] << 8) | this.bytes[this.offset + 1];
		this.offset += 2;
		return value;
	}

	u32(): number {
		if (this.offset + 4 > this.end) return this.fail();
		const b = this.bytes;
		const o = this.offset;
		this.offset += 4;
		return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
	}

	varint(): number {
		if (this.offset + 1 > this.end) return this.fail();
		const first = this.bytes[this.offset];
		const length = 1 << (first >>> 6);
		if (this.offset + length > this.end) return this.fail();
		let value = first & 0x3f;
		for (let i = 1; i < length; i++) value = value * 256 + this.bytes[this.offset + i];
		this.offset += length;
		if (value > VARINT_MAX) return this.fail();
		return value;
	}

	/** A view (not a copy) of the next `length` bytes; copy it if it must outlive the packet buffer. */
	bytesView(length: number): Uint8Array {
		if (length < 0 || this.offset + length > this.end) {
			this.fail();
			return new Uint8Array(0);
		}

		const view = this.bytes.subarray(this.offset, this.offset + length);
		this.offset += length;
		return view;
	}

	/** A copy that owns its memory, for values that are kept. */
	buffer(length: number): Buffer {
		return Buffer.from(this.bytesView(length));
	}

	rest(): Uint8Array {
		return this.bytesView(this.end - this.offset);
	}

	private fail(): number {
		this.failed = true;
		this.offset = this.end;
		return 0;
	}
}
