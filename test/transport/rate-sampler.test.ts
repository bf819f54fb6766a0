import test from 'ava';
import {RateSampler} from '../../source/transport/rate-sampler.js';
import {SentPacket} from '../../source/transport/sent-packets.js';

function sent(sampler: RateSampler, packetNumber: number, now: number, inFlight: number) {
	const packet = new SentPacket();
	packet.reset(packetNumber);
	packet.timeSent = now;
	packet.size = 1000;
	sampler.onPacketSent(packet, now, inFlight);
	return packet;
}

test('a sample is bytes delivered over the longer of the send and ACK intervals', (t) => {
	const sampler = new RateSampler();
	// Ten packets sent 1 ms apart from idle, acknowledged 50 ms later in two ACKs.
	const packets = Array.from({length: 10}, (_, i) => sent(sampler, i, i, i * 1000));
	for (const packet of packets.slice(0, 5)) sampler.onPacketAcked(packet, 54);
	const first = sampler.finish(5000, 40)!;
	t.is(first.delivered, 5000);
	t.is(first.rtt, 50, 'RTT of the newest acknowledged packet');
	t.is(first.deliveryRate, 5000 / 54, 'ACK interval (54 ms since the start) is the longer');
	for (const packet of packets.slice(5)) sampler.onPacketAcked(packet, 59);
	const second = sampler.finish(5000, 40)!;
	t.is(second.priorDelivered, 0);
	t.is(second.deliveryRate, 10_000 / 59);
	t.is(sampler.finish(0, 40), undefined, 'nothing acknowledged: no sample');
});

test('an interval shorter than the min RTT gives no rate', (t) => {
	const sampler = new RateSampler();
	const packet = sent(sampler, 0, 0, 0);
	sampler.onPacketAcked(packet, 5);
	t.is(sampler.finish(1000, 10)!.deliveryRate, 0);
});

test('packets sent while application-limited make application-limited samples, until they are delivered', (t) => {
	const sampler = new RateSampler();
	const busy = sent(sampler, 0, 0, 0);
	sampler.onAppLimited(1000);
	const idle = sent(sampler, 1, 1, 1000);
	sampler.onPacketAcked(busy, 40);
	t.false(sampler.finish(1000, 10)!.isAppLimited);
	sampler.onPacketAcked(idle, 41);
	t.true(sampler.finish(1000, 10)!.isAppLimited);
	t.is(sampler.appLimited, 0, 'the phase ends once its bytes are delivered');
	const later = sent(sampler, 2, 42, 0);
	sampler.onPacketAcked(later, 82);
	t.false(sampler.finish(1000, 10)!.isAppLimited);
});
