import test from 'ava';
import {ContactBook} from '../../source/dht/contact-book.js';
import {NONE} from '../../source/dht/id-table.js';
import type {DhtNetwork} from '../../source/dht/network.js';
import {DhtNode} from '../../source/dht/node.js';
import {RoutingTable} from '../../source/dht/routing-table.js';
import {NO_SUBNET, subnetOf} from '../../source/dht/subnet.js';
import {TornetError} from '../../source/errors.js';
import {VirtualClock} from '../../source/sim/clock.js';
import {Random} from '../../source/sim/random.js';

const random = new Random(47);

test('addresses group by /24 and /48; local and private ones are not limited', (t) => {
	t.is(subnetOf('203.0.113.5'), subnetOf('203.0.113.250'));
	t.not(subnetOf('203.0.113.5'), subnetOf('203.0.114.5'));
	t.is(subnetOf('::ffff:203.0.113.9'), subnetOf('203.0.113.5'));
	t.is(subnetOf('2001:db8:aa:1::1'), subnetOf('2001:db8:aa:ffff::2'));
	t.not(subnetOf('2001:db8:aa::1'), subnetOf('2001:db8:ab::1'));
	t.not(subnetOf('2001:db8:aa::1'), NO_SUBNET);
	for (const host of [
		'127.0.0.1',
		'10.1.2.3',
		'172.20.0.1',
		'192.168.1.1',
		'169.254.0.1',
		'100.64.0.1',
		'::1',
		'fd00::1',
		'fe80::1',
		'example.org',
	])
		t.is(subnetOf(host), NO_SUBNET, host);
});

/** A real node's table setup (ContactBook + RoutingTable + DhtNode) whose pings all fail or all answer. */
function realNode(pingsAnswer: boolean) {
	const clock = new VirtualClock();
	const book = new ContactBook({clock});
	const self = book.admit({publicKey: random.bytes(32), host: '0.0.0.0', port: 1, rank: 0}, true);
	const table = new RoutingTable(book.ids, {k: 20});
	const unused = async () => Promise.reject(TornetError.notFound('unused'));
	const network: DhtNetwork = {
		findNode: unused,
		findChunk: unused,
		ping: async () => (pingsAnswer ? undefined : Promise.reject(TornetError.notFound('gone'))),
		storeReference: unused,
	};
	const node = new DhtNode({space: book, table, owner: 0, self, network, clock});
	const peer = (host: string) =>
		book.admit({publicKey: random.bytes(32), host, port: 4000, rank: 0}, true);
	const inTable = (host: string) => {
		let count = 0;
		table.forEach(0, (contact) => {
			if (book.entry(contact)!.host.startsWith(host)) count++;
		});
		return count;
	};

	return {clock, book, table, node, peer, inTable};
}

test('answering identities from one /24 take at most 2 slots a bucket and 10 a table', (t) => {
	const {node, table, peer, inTable} = realNode(true);
	const sybils = Array.from({length: 400}, (_, i) => peer(`203.0.113.${i % 250}`));
	for (const sybil of sybils) node.heard(sybil);
	t.is(inTable('203.0.113.'), 10);
	const perBucket = new Map<number, number>();
	table.forEach(0, (_contact, bucket) => perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1));
	t.true([...perBucket.values()].every((count) => count <= 2));
	// Honest nodes on other blocks still get in.
	for (let i = 0; i < 40; i++) node.heard(peer(`198.51.${i}.7`));
	t.true(table.size(0) > 10 + 20);
});

test('a flood of newcomers cannot evict live contacts from a full bucket', async (t) => {
	const {clock, node, table, book, peer} = realNode(true);
	// Fill bucket 0 (ids whose first bit differs from ours) with live contacts on distinct blocks.
	const live: number[] = [];
	for (let i = 0; live.length < 20; i++) {
		const index = peer(`198.51.${i % 256}.${1 + (i >> 8)}`);
		node.heard(index);
		if (table.has(0, index) && table.bucketOf(0, index) === 0) live.push(index);
	}

	t.is(table.bucketSize(0, 0), 20);
	for (let round = 0; round < 5; round++) {
		for (let i = 0; i < 500; i++) {
			const index = book.admit(
				{publicKey: random.bytes(32), host: `192.0.${i % 256}.1`, port: 1, rank: 0},
				true,
			);
			if (index !== NONE) node.heard(index);
		}

		await clock.run(clock.now() + 400_000); // past the per-bucket ping interval
	}

	t.true(
		live.every((index) => table.has(0, index)),
		'every live contact is still there',
	);
	t.true(book.size <= book.capacity);
});
