import test from 'ava';
import {compareDistance, distanceBits} from '../../source/identity/id.js';
import {IdTable, idWords, NONE} from '../../source/dht/id-table.js';
import {RoutingTable} from '../../source/dht/routing-table.js';
import {Random} from '../../source/sim/random.js';
import {SimWorld} from '../../source/sim/world.js';

function randomTable(seed: number, contacts: number, depth = 160) {
	const random = new Random(seed);
	const ids = new IdTable(contacts + 1);
	for (let i = 0; i <= contacts; i++) ids.push(random.bytes(20));
	const table = new RoutingTable(ids, {k: 20, depth});
	table.setSelf(0, 0);
	return {random, ids, table};
}

test('every contact sits in the bucket of its shared prefix with the owner', (t) => {
	const {ids, table} = randomTable(1, 3000);
	for (let i = 1; i <= 3000; i++) table.add(0, i);
	const own = ids.bytes(0);
	let seen = 0;
	table.forEach(0, (contact, bucket) => {
		seen++;
		t.is(bucket, 160 - distanceBits(own, ids.bytes(contact)));
	});
	t.is(seen, table.size(0));
	t.true(table.size(0) > 100);
	for (let b = 0; b < 160; b++) t.true(table.bucketSize(0, b) <= 20);
	t.is(table.bucketSize(0, 0), 20, 'the far half of the space fills its bucket');
});

test('the last bucket takes every deeper contact', (t) => {
	const {ids, table} = randomTable(2, 500, 4);
	for (let i = 1; i <= 500; i++) table.add(0, i);
	table.forEach(0, (contact, bucket) => {
		const shared = 160 - distanceBits(ids.bytes(0), ids.bytes(contact));
		t.is(bucket, Math.min(shared, 3));
	});
});

test('add reports added, present, full and self; the owner is never stored', (t) => {
	const {table} = randomTable(3, 200);
	t.is(table.add(0, 0), 'self');
	const results = new Map<string, number>();
	for (let i = 1; i <= 200; i++) {
		const result = table.add(0, i);
		results.set(result, (results.get(result) ?? 0) + 1);
	}

	t.true((results.get('full') ?? 0) > 0);
	t.is((results.get('added') ?? 0) + (results.get('full') ?? 0), 200);
	const member = table.oldest(0, 0);
	t.is(table.add(0, member), 'present');
	t.false(table.has(0, 0));
});

test('buckets keep least-recently-seen order: touch moves a contact to the young end', (t) => {
	const {table} = randomTable(4, 400);
	const inBucket0: number[] = [];
	for (let i = 1; i <= 400 && inBucket0.length < 20; i++) {
		if (table.bucketOf(0, i) === 0) {
			t.is(table.add(0, i), 'added');
			inBucket0.push(i);
		}
	}

	t.is(table.oldest(0, 0), inBucket0[0]);
	t.true(table.touch(0, inBucket0[0]));
	t.is(table.oldest(0, 0), inBucket0[1]);
	t.is(table.add(0, inBucket0[1]), 'present');
	t.is(table.oldest(0, 0), inBucket0[2]);
});

test('failures accumulate and reset when the contact is heard from again', (t) => {
	const {table} = randomTable(5, 50);
	for (let i = 1; i <= 50; i++) table.add(0, i);
	const contact = table.oldest(0, 0);
	t.is(table.fail(0, contact), 1);
	t.is(table.fail(0, contact), 2);
	table.touch(0, contact);
	t.is(table.failureCount(0, contact), 0);
	t.is(table.fail(0, NONE), 0);
});

test('closest() equals a brute-force sort of the table by XOR distance', (t) => {
	const {random, ids, table} = randomTable(6, 5000);
	for (let i = 1; i <= 5000; i++) table.add(0, i);
	const members: number[] = [];
	table.forEach(0, (contact) => members.push(contact));
	const out = new Uint32Array(40);
	for (let round = 0; round < 300; round++) {
		// Half the targets near the owner, so deep and merged buckets are exercised too.
		const target = round % 2 === 0 ? random.bytes(20) : nearby(ids.bytes(0), random, round % 40);
		for (const n of [1, 3, 20, 40]) {
			const count = table.closest(0, idWords(target), n, out);
			const expected = [...members]
				.sort((a, b) => compareDistance(target, ids.bytes(a), ids.bytes(b)))
				.slice(0, n);
			t.deepEqual([...out.subarray(0, count)], expected);
		}
	}
});

test('remove frees a bucket block for reuse, replace swaps in the same bucket only', (t) => {
	const {table} = randomTable(7, 100);
	for (let i = 1; i <= 100; i++) table.add(0, i);
	const before = table.blockCount;
	const deep: number[] = [];
	table.forEach(0, (contact, bucket) => {
		if (bucket > 0 && table.bucketSize(0, bucket) === 1) deep.push(contact);
	});
	if (deep.length > 0) {
		t.true(table.remove(0, deep[0]));
		t.is(table.blockCount, before - 1);
	}

	const oldest = table.oldest(0, 0);
	let outsider = 1;
	while (table.has(0, outsider) || table.bucketOf(0, outsider) !== 0) outsider++;
	if (outsider <= 100) {
		t.true(table.replace(0, oldest, outsider));
		t.true(table.has(0, outsider));
		t.false(table.has(0, oldest));
	}

	t.false(table.replace(0, table.oldest(0, 0), 0), 'the owner cannot be swapped in');
});

test('a full bucket evicts its oldest contact only after that contact fails a ping', async (t) => {
	const world = new SimWorld({nodes: 300, seed: 8, converged: false});
	const owner = world.node(0);
	const far: number[] = [];
	for (let i = 1; i < 300; i++) if (world.table.bucketOf(0, i) === 0) far.push(i);
	for (const contact of far.slice(0, 20)) owner.handlePing(contact);
	t.is(world.table.bucketSize(0, 0), 20);

	// The oldest answers the ping: it stays (now youngest), the newcomer is not added.
	const oldest = world.table.oldest(0, 0);
	const first = far[20];
	owner.handlePing(first);
	await world.clock.run();
	t.true(world.table.has(0, oldest));
	t.false(world.table.has(0, first));
	t.not(world.table.oldest(0, 0), oldest);

	// Within the ping interval a newcomer does not trigger another ping.
	const pingsBefore = world.network.totals.requests;
	owner.handlePing(far[21]);
	await world.clock.run();
	t.is(world.network.totals.requests, pingsBefore);

	// Later, the oldest has left: its ping fails and the newcomer takes its place.
	await world.clock.run(world.clock.now() + 301_000);
	const dead = world.table.oldest(0, 0);
	world.network.alive[dead] = 0;
	const second = far[22];
	owner.handlePing(second);
	t.true(world.table.has(0, dead), 'nothing changes before the ping times out');
	await world.clock.run();
	t.false(world.table.has(0, dead));
	t.true(world.table.has(0, second));
	t.is(world.table.bucketSize(0, 0), 20);
});

test('a contact leaves the table after maxFailures failed requests', (t) => {
	const world = new SimWorld({nodes: 50, seed: 9, converged: false});
	const owner = world.node(0);
	owner.handlePing(7);
	t.true(world.table.has(0, 7));
	owner.failed(7);
	t.true(world.table.has(0, 7));
	owner.failed(7);
	t.false(world.table.has(0, 7));
});

function nearby(id: Uint8Array, random: Random, sharedBits: number): Buffer {
	const out = random.bytes(20);
	for (let bit = 0; bit < sharedBits; bit++) {
		const byte = bit >>> 3;
		const mask = 0x80 >>> (bit & 7);
		out[byte] = (out[byte] & ~mask) | (id[byte] & mask);
	}

	return out;
}
