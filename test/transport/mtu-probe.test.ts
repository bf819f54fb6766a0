import test from 'ava';
import {
	BASE_PLPMTU,
	INTERNET_CEILING,
	LOOPBACK_CEILING,
	MtuProbe,
	mtuCeiling,
} from '../../source/transport/mtu-probe.js';

/** Runs the search against a path that carries datagrams up to `pathMtu`; returns probes sent. */
function search(probe: MtuProbe, pathMtu: number, now = 0): number[] {
	const sent: number[] = [];
	for (
		let size = probe.nextProbeSize(now);
		size > 0 && sent.length < 100;
		size = probe.nextProbeSize(now)
	) {
		probe.onProbeSent(size);
		sent.push(size);
		if (size <= pathMtu) probe.onProbeAcked(size, now);
		else probe.onProbeLost(size, now);
	}

	return sent;
}

test('ceilings: large on loopback, Ethernet-sized elsewhere', (t) => {
	t.is(mtuCeiling('127.0.0.1'), LOOPBACK_CEILING);
	t.is(mtuCeiling('::1'), LOOPBACK_CEILING);
	t.is(mtuCeiling('192.0.2.7'), INTERNET_CEILING);
	t.is(mtuCeiling('2001:db8::1'), INTERNET_CEILING);
});

test('a path that carries the ceiling is found with one probe', (t) => {
	const probe = new MtuProbe(LOOPBACK_CEILING);
	t.is(probe.current, BASE_PLPMTU);
	t.deepEqual(search(probe, 65_535), [LOOPBACK_CEILING]);
	t.is(probe.current, LOOPBACK_CEILING);
	t.false(probe.isSearching);
});

test('a smaller path MTU: binary search converges below it, never above, 3 losses per size', (t) => {
	const probe = new MtuProbe(INTERNET_CEILING);
	const sent = search(probe, 1400);
	t.is(sent.slice(0, 3).join(), '1452,1452,1452');
	t.true(probe.current <= 1400 && probe.current > 1400 - 16, `found ${probe.current}`);
	t.true(sent.length < 30);
	t.false(probe.isSearching);
});

test('a path stuck at the base: every probe lost, current stays 1200', (t) => {
	const probe = new MtuProbe(INTERNET_CEILING);
	search(probe, 1200);
	t.is(probe.current, BASE_PLPMTU);
	t.false(probe.isSearching);
});

test('one probe in flight at a time; a search starts again after the raise timer', (t) => {
	const probe = new MtuProbe(INTERNET_CEILING);
	probe.onProbeSent(probe.nextProbeSize(0));
	t.is(probe.nextProbeSize(0), 0);
	probe.onProbeLost(1452, 0);
	t.is(probe.nextProbeSize(0), 1452, 'the same size is retried');
	search(probe, 1300);
	t.is(probe.nextProbeSize(1000), 0);
	t.is(probe.nextProbeSize(601_000), INTERNET_CEILING);
	search(probe, 1452, 601_000);
	t.is(probe.current, INTERNET_CEILING);
});

test('black hole: full-size packets keep getting lost, fall back to 1200 and search below', (t) => {
	const probe = new MtuProbe(INTERNET_CEILING);
	search(probe, 1452);
	t.is(probe.current, 1452);
	for (let i = 0; i < 7; i++) t.false(probe.onPacketLost(1452));
	probe.onPacketAcked(1452);
	for (let i = 0; i < 7; i++) t.false(probe.onPacketLost(1452));
	t.true(probe.onPacketLost(1452));
	t.is(probe.current, BASE_PLPMTU);
	const sent = search(probe, 1280);
	t.true(sent.every((size) => size < 1452));
	t.true(probe.current <= 1280 && probe.current > 1280 - 16);
});
