import {randomBytes} from 'node:crypto';
import test from 'ava';
import {readPcap, writePcap} from './pcap.js';
import {lengthSummary, positionStats, summarize} from './statistics.js';

test('random bytes show no biased position; one fixed byte is found at its position', (t) => {
	const random = Array.from({length: 2000}, () => randomBytes(100));
	const uniform = summarize(random);
	t.is(uniform.biasedPositions, 0);
	t.true(uniform.minEntropy > 7.7);
	// A protocol with a version byte at offset 3 and a 4-byte trailer.
	const marked = random.map((packet) => {
		const copy = Buffer.from(packet);
		copy[3] = 0x01;
		copy.writeUInt32BE(0xc0ffee00, copy.length - 4);
		return copy;
	});
	const found = summarize(marked);
	t.is(found.biasedPositions, 5);
	t.is(positionStats(marked, 3).entropy, 0);
	t.is(positionStats(marked, 3).topShare, 1);
	t.true(positionStats(marked, 3).p < 1e-12);
	t.is(positionStats(marked, 0, true).entropy, 0);
});

test('length summary', (t) => {
	const packets = [Buffer.alloc(10), Buffer.alloc(10), Buffer.alloc(20), Buffer.alloc(30)];
	t.like(lengthSummary(packets), {
		distinct: 3,
		min: 10,
		max: 30,
		mostCommon: 10,
		mostCommonShare: 0.5,
	});
	t.is(lengthSummary(packets).entropy, 1.5);
});

test('a written pcap reads back as the same datagrams', (t) => {
	const datagrams = [
		{time: 1_700_000_000.25, source: 4000, destination: 5000, payload: randomBytes(300)},
		{time: 1_700_000_001.5, source: 5000, destination: 4000, payload: Buffer.alloc(0)},
	];
	t.deepEqual(readPcap(writePcap(datagrams)), datagrams);
});
