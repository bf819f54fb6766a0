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
	const book = new ContactBook({clock, capacity: 4, leaseMs: 1000});
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
