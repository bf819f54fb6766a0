import {Reader, VARINT_MAX, varintLength, writeVarint} from '../../../source/util/varint.js';
import {encodeVarintWidth} from '../mutate.js';
import {check, type TargetSpec} from '../target.js';

/**
 * The Reader every binary decoder stands on. An input is a script: each byte picks the next read
 * (u8, u16, u32, varint, bytes of a varint length, rest), so every interleaving of widths and
 * lengths is tried against the bounds checks.
 */
export const varintTarget: TargetSpec = {
	name: 'varint',
	about:
		'util/varint Reader: mixed u8/u16/u32/varint/bytes reads; bounds, failure latch, varint round trip',
	create(random) {
		const seeds: Uint8Array[] = [];
		for (let i = 0; i < 32; i++) {
			const out = Buffer.alloc(64);
			let offset = 0;
			while (offset < 48) {
				out[offset++] = 3; // a varint read
				const value = random.chance(0.5)
					? random.int(0x4000)
					: Math.floor(random.next() * VARINT_MAX);
				offset = writeVarint(out, offset, value);
			}

			seeds.push(out.subarray(0, offset));
		}

		return {
			seeds,
			maxBytes: 512,
			run(input) {
				const script = new Reader(input);
				const scratch = Buffer.alloc(8);
				while (!script.done && !script.failed) {
					const op = script.u8() % 6;
					const before = script.offset;
					switch (op) {
						case 0: {
							check(script.u8() <= 0xff, 'u8 range');
							break;
						}

						case 1: {
							check(script.u16() <= 0xffff, 'u16 range');
							break;
						}

						case 2: {
							const value = script.u32();
							check(value >= 0 && value <= 0xffff_ffff, 'u32 range');
							break;
						}

						case 3: {
							const first = before < script.end ? input[before] : 0;
							const value = script.varint();
							if (script.failed) break;
							check(Number.isSafeInteger(value) && value >= 0, `varint ${value}`);
							// Any width that holds the value decodes back to it.
							const width = 1 << (first >>> 6);
							check(width >= varintLength(value), 'varint wider than its prefix');
							const end = encodeVarintWidth(scratch, value, width);
							check(new Reader(scratch, 0, end).varint() === value, 'varint round trip');
							break;
						}

						case 4: {
							const length = script.varint();
							const view = script.bytesView(length);
							check(script.failed ? view.length === 0 : view.length === length, 'bytesView length');
							break;
						}

						default: {
							const rest = script.rest();
							check(rest.length === input.length - before, 'rest length');
						}
					}

					check(script.offset >= before && script.offset <= script.end, 'offset out of bounds');
					if (script.failed)
						check(script.offset === script.end, 'a failed reader stops at the end');
				}
			},
		};
	},
};
