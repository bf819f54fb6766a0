import test from 'ava';
import fc from 'fast-check';
import {INITIAL_RING_BYTES, RING_BYTES, SendRing} from '../../source/transport/send-ring.js';

/** Whether two buffers share any byte of memory. */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
	if (a.buffer !== b.buffer) return false;
	return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

test('packets in flight never share memory, whatever the mix of sizes and completions', (t) => {
	fc.assert(
		fc.property(
			fc.array(
				fc.oneof(
					fc.record({send: fc.integer({min: 28, max: 65_000})}),
					fc.record({external: fc.constant(true)}),
					fc.record({complete: fc.integer({min: 1, max: 8})}),
				),
				{maxLength: 600},
			),
			(steps) => {
				const ring = new SendRing();
				// What is in flight, oldest first: the buffer (undefined for external sends).
				const inFlight: Array<Uint8Array | undefined> = [];
				for (const step of steps) {
					if ('send' in step) {
						const reserved = ring.reserve(step.send);
						const length = Math.max(28, step.send - 16);
						const packet = reserved.subarray(0, length);
						for (const other of inFlight) if (other && overlaps(other, packet)) return false;
						ring.commit(length);
						inFlight.push(packet);
					} else if ('external' in step) {
						ring.external();
						inFlight.push(undefined);
					} else {
						for (let i = 0; i < step.complete && inFlight.length > 0; i++) {
							ring.complete();
							inFlight.shift();
						}
					}

					if (ring.inFlight !== inFlight.length) return false;
				}

				return true;
			},
		),
		{numRuns: 300},
	);
	t.pass();
});

test('the ring reuses its memory once sends complete; a full ring hands out fresh buffers', (t) => {
	const ring = new SendRing();
	const first = ring.reserve(1200);
	ring.commit(1200);
	ring.complete();
	const again = ring.reserve(1200);
	t.is(again.byteOffset, first.byteOffset, 'an empty ring starts over');
	ring.commit(1200);
	const packets = Math.floor(RING_BYTES / 60_000) + 2;
	for (let i = 0; i < packets; i++) {
		ring.reserve(60_000);
		ring.commit(60_000);
	}

	t.true(ring.overflows > 0, 'beyond its size the ring allocates instead of overwriting');
	t.is(ring.inFlight, packets + 1);
	const thrown = ring.reserve(1200);
	ring.commit(1200);
	ring.undo();
	t.is(ring.inFlight, packets + 1, 'a send that threw is forgotten');
	t.true(thrown.length === 1200);
});

test('the ring starts small and doubles, up to its limit, after packets found no room', (t) => {
	const ring = new SendRing();
	t.is(ring.slabBytes, 0, 'no memory before the first packet');
	ring.reserve(1200);
	ring.commit(1200);
	ring.complete();
	t.is(ring.slabBytes, INITIAL_RING_BYTES);
	let previous = ring.slabBytes;
	while (previous < RING_BYTES) {
		// Fill the ring past its size, then let every send complete.
		const packets = Math.floor(previous / 60_000) + 2;
		for (let i = 0; i < packets; i++) {
			ring.reserve(60_000);
			ring.commit(60_000);
		}

		for (let i = 0; i < packets; i++) ring.complete();
		ring.reserve(1200);
		ring.commit(1200);
		ring.complete();
		t.is(ring.slabBytes, previous * 2);
		previous = ring.slabBytes;
	}

	for (let i = 0; i < 200; i++) {
		ring.reserve(60_000);
		ring.commit(60_000);
	}

	for (let i = 0; i < 200; i++) ring.complete();
	ring.reserve(1200);
	t.is(ring.slabBytes, RING_BYTES, 'never beyond RING_BYTES');
});
