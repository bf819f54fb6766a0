import {PassThrough} from 'node:stream';
import test from 'ava';
import {TokenBucket} from '../../source/chunks/transfer/token-bucket.js';
import {fetchLink} from '../../source/chunks/transfer/fetch-link.js';
import {splitRanges} from '../../source/chunks/transfer/range-plan.js';
import {publishOn, sourceFor, startPeer} from './transfer-fixture.js';

const MB = 1 << 20;

test('a capped holder serves less than an uncapped one in the same download', async (t) => {
	const [e, capped, free] = await Promise.all([
		startPeer(t),
		startPeer(t, {server: {uploadBytesPerSecond: () => 256 * 1024}}),
		startPeer(t),
	]);
	const {result} = await publishOn(t, [capped, free], 8 * MB);
	const fetched = await fetchLink(e.store, result.link, new PassThrough().resume(), {
		rpc: e.rpc,
		findSources: async () => [sourceFor(e, capped), sourceFor(e, free)],
	});
	const of = (peer: typeof e) => fetched.bySource.get(peer.identity.id.toString('hex')) ?? 0;
	t.true(of(capped) > 0, 'the capped holder took part');
	t.true(of(free) > 4 * of(capped), `uncapped ${of(free)} against capped ${of(capped)}`);
});

test('the bucket grants no more than the rate allows over a span, and reads the rate live', async (t) => {
	let now = 0;
	let rate = 1000; // bytes per second
	const bucket = new TokenBucket(
		() => rate,
		() => now,
	);
	let granted = 0;
	const takers = Array.from({length: 50}, async () => {
		await bucket.take(100);
		granted += 100;
	});
	await new Promise((resolve) => setImmediate(resolve));
	t.is(granted, 100, 'the first goes at once (into debt), the rest wait');
	// One second of the bucket's clock in steps, each long enough in real time for its timer.
	for (let step = 0; step < 10; step++) {
		now += 100;
		await new Promise((resolve) => setTimeout(resolve, 120));
	}

	t.true(granted <= 100 + 1000 + 100, `granted ${granted} after one second at 1000 B/s`);
	t.true(granted >= 700, `granted ${granted} after one second at 1000 B/s`);
	t.true(bucket.waiting > 0);
	rate = 0; // cap lifted: everyone goes, without waiting for the clock
	await Promise.all(takers);
	t.is(granted, 5000);
	t.is(bucket.waiting, 0);
});

test('missing slices are cut into contiguous ranges of bounded size', (t) => {
	t.deepEqual(splitRanges([0, 1, 2, 3, 4], 2), [
		{first: 0, count: 2},
		{first: 2, count: 2},
		{first: 4, count: 1},
	]);
	t.deepEqual(splitRanges([1, 2, 5, 6, 7, 15], 4), [
		{first: 1, count: 2},
		{first: 5, count: 3},
		{first: 15, count: 1},
	]);
	t.deepEqual(splitRanges([], 4), []);
});
