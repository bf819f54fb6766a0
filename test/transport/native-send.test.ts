import dgram from 'node:dgram';
import test from 'ava';
import {
	nativeSender,
	SEND_DONE,
	SEND_FAILED,
	SEND_QUEUED,
} from '../../source/transport/native-send.js';

async function bound(): Promise<dgram.Socket> {
	const socket = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => {
		socket.bind(0, '127.0.0.1', resolve);
	});
	return socket;
}

test('native sends arrive byte-exact, and say whether the kernel took them at once', async (t) => {
	const receiver = await bound();
	const sender = await bound();
	t.teardown(() => {
		receiver.close();
		sender.close();
	});
	let queuedDone = 0;
	const send = nativeSender(sender, () => {
		queuedDone++;
	});
	if (!send) {
		t.fail('the native path is missing on this Node version: socket.send() is used instead');
		return;
	}

	const received: Buffer[] = [];
	const all = new Promise<void>((resolve) => {
		receiver.on('message', (message) => {
			received.push(message);
			if (received.length === 50) resolve();
		});
	});
	let queued = 0;
	for (let i = 0; i < 50; i++) {
		const outcome = send(new Uint8Array(100).fill(i), receiver.address().port, '127.0.0.1');
		t.true(outcome === SEND_DONE || outcome === SEND_QUEUED);
		if (outcome === SEND_QUEUED) queued++;
	}

	await all;
	t.deepEqual(
		received.map((message) => message[0]),
		Array.from({length: 50}, (_, i) => i),
	);
	t.true(received.every((message) => message.length === 100));
	t.is(queuedDone, queued);
});

test('a host that is no IP address fails without throwing', async (t) => {
	const sender = await bound();
	t.teardown(() => sender.close());
	const send = nativeSender(sender, () => undefined)!;
	t.is(send(new Uint8Array(10), 9, 'not an address'), SEND_FAILED);
});

test('a socket without the internals it needs gets no native path', (t) => {
	t.is(
		nativeSender({} as dgram.Socket, () => undefined),
		undefined,
	);
});
