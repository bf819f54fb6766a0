import test from 'ava';
import {ContactBook} from '../../source/dht/contact-book.js';
import {NONE} from '../../source/dht/id-table.js';
import {nodeIdFromPublicKey} from '../../source/identity/id.js';
import {VirtualClock} from '../../source/sim/clock.js';
import {Random} from '../../source/sim/random.js';

const random = new Random(31);
const contact = (port = 4000) => ({publicKey: random.bytes(32), host: '192.0.2.7', port, rank: 9});

test('admit interns the id derived from the key and gives back what the RPC needs', (t) => {
	const book = new ContactBook({clock: new VirtualClock(), capacity: 8});
	const peer = contact();
	const index = book.admit(peer);
	t.not(index, NONE);
	t.is(book.admit(peer), index, 'the same peer keeps its index');
	const entry = book.entry(index)!;
	t.deepEqual(entry.id, nodeIdFromPublicKey(peer.publicKey));
	t.deepEqual(book.ids.bytes(index), entry.id);
	t.deepEqual(entry.publicKey, peer.publicKey);
	t.is(entry.host, '192.0.2.7');
	t.is(entry.port, 4000);
	t.is(entry.rank, 9);
	t.is(book.indexOf(entry.id), index);
});

test('hearsay never moves a known contact; the peer itself (authenticated) does', (t) => {
	const book = new ContactBook({clock: new VirtualClock(), capacity: 8});
	const peer = contact();
	const index = book.admit(peer);
	book.admit({...peer, host: '198.51.100.1', port: 1});
	t.is(book.entry(index)!.host, '192.0.2.7');
	book.admit({...peer, host: '198.51.100.1', port: 5000}, true);
	t.is(book.entry(index)!.host, '198.51.100.1');
	t.is(book.entry(index)!.port, 5000);
});

test('the book is bounded: a full book reuses only unpinned slots whose lease ran out', async (t) => {
	const clock = new VirtualClock();
	const book = new ContactBook({clock, capacity: 4, leaseMs: 1000, reserve: 0});
	const indices = [contact(), contact(), contact(), contact()].map((peer) => book.admit(peer));
	t.deepEqual(new Set(indices).size, 4);
	book.pin(indices[0]);
	t.is(book.admit(contact()), NONE, 'every lease is still running');
	await clock.run(1500);
	book.use(indices[1]);
	const reused = book.admit(contact());
	t.true(
		reused === indices[2] || reused === indices[3],
		'neither the pinned nor the just-used slot',
	);
	t.true(book.has(indices[0]));
	t.is(book.size, 4);
	book.unpin(indices[0]);
	t.is(book.pinCount(indices[0]), 0);
});

test('a malformed key is refused', (t) => {
	const book = new ContactBook({clock: new VirtualClock(), capacity: 4});
	t.is(book.admit({publicKey: Buffer.alloc(31), host: '192.0.2.1', port: 1, rank: 0}), NONE);
	t.is(book.entry(3), undefined);
});

test('a peer naming thousands of fake contacts gets only its quota of the book', (t) => {
	const book = new ContactBook({clock: new VirtualClock(), capacity: 512, perSourceLimit: 64});
	const hostile = book.admit(contact(), true);
	const honest = book.admit(contact(), true);
	let admitted = 0;
	for (let i = 0; i < 5000; i++) if (book.admit(contact(), false, hostile) !== NONE) admitted++;
	t.is(admitted, 64);
	t.is(book.introducedBy(hostile), 64);
	t.is(book.refused, 5000 - 64);
	t.true(book.size <= book.capacity);
	for (let i = 0; i < 20; i++)
		t.not(book.admit(contact(), false, honest), NONE, 'others still get in');
	t.is(book.introducedBy(honest), 20);
});

test('hearsay from many peers leaves the reserve to peers that reach us themselves', (t) => {
	const book = new ContactBook({clock: new VirtualClock(), capacity: 64, reserve: 16});
	const sources = Array.from({length: 8}, () => book.admit(contact(), true));
	for (const source of sources) for (let i = 0; i < 20; i++) book.admit(contact(), false, source);
	t.is(book.size, 64 - 16);
	t.is(book.hearsayCount, 64 - 16 - sources.length);
	t.true(book.refused > 0);
	for (let i = 0; i < 16; i++) t.not(book.admit(contact(), true), NONE, 'requesters get a slot');
	t.is(book.size, 64);
});

test('a contact that answers, or is pinned, stops counting against the peer that named it', (t) => {
	const book = new ContactBook({clock: new VirtualClock(), capacity: 16, perSourceLimit: 2});
	const source = book.admit(contact(), true);
	const a = book.admit(contact(), false, source);
	const b = book.admit(contact(), false, source);
	t.is(book.admit(contact(), false, source), NONE, 'quota reached');
	t.true(book.isHearsay(a));
	book.prove(a);
	t.false(book.isHearsay(a));
	book.pin(b);
	t.false(book.isHearsay(b));
	t.is(book.introducedBy(source), 0);
	t.not(book.admit(contact(), false, source), NONE);
	t.false(book.isHearsay(source), 'a peer that reached us is never hearsay');
});

test('a slot reused for a new peer does not inherit the old peer’s charges', async (t) => {
	const clock = new VirtualClock();
	const book = new ContactBook({clock, capacity: 4, leaseMs: 1000, reserve: 0, perSourceLimit: 2});
	const source = book.admit(contact(), true);
	const named = book.admit(contact(), false, source);
	book.pin(named);
	book.admit(contact(), false, source);
	book.admit(contact(), false, source);
	t.is(book.introducedBy(source), 2);
	await clock.run(1500);
	// Leases ran out: the next admits reuse the unpinned slots, the source's first of all.
	const newcomer = book.admit(contact(), true);
	t.is(newcomer, source, 'the source’s slot went to a new peer');
	t.is(book.introducedBy(newcomer), 0);
	const left = [1, 2, 3].find((index) => book.isHearsay(index))!;
	book.use(left);
	const own = book.admit(contact(), false, newcomer);
	t.not(own, NONE);
	t.is(book.introducedBy(newcomer), 1);
	book.prove(left);
	t.is(book.introducedBy(newcomer), 1, 'proving the old peer’s hearsay charges nobody else');
	t.is(book.hearsayCount, 1);
});
