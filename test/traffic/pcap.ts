/**
 * Reads the UDP datagrams of a classic pcap file (what `tcpdump -w` writes), and writes one from
 * datagrams captured some other way, so ndpiReader can read either. Only what a loopback capture
 * holds: Ethernet (DLT 1) or Linux cooked (DLT 113) framing, IPv4, UDP.
 */
export type Datagram = {time: number; source: number; destination: number; payload: Buffer};

const ETHERNET = 1;
const LINUX_SLL = 113;

export function readPcap(file: Buffer): Datagram[] {
	const magic = file.readUInt32LE(0);
	const little = magic === 0xa1_b2_c3_d4 || magic === 0xa1_b2_3c_4d;
	if (!little && file.readUInt32BE(0) !== 0xa1_b2_c3_d4 && file.readUInt32BE(0) !== 0xa1_b2_3c_4d)
		throw new Error('not a pcap file');
	const u32 = (offset: number) => (little ? file.readUInt32LE(offset) : file.readUInt32BE(offset));
	const nanoseconds = (little ? magic : file.readUInt32BE(0)) === 0xa1_b2_3c_4d;
	const linkType = u32(20);
	const linkBytes = linkType === ETHERNET ? 14 : linkType === LINUX_SLL ? 16 : -1;
	if (linkBytes < 0) throw new Error(`link type ${linkType} not supported`);
	const datagrams: Datagram[] = [];
	for (let offset = 24; offset + 16 <= file.length;) {
		const time = u32(offset) + u32(offset + 4) / (nanoseconds ? 1e9 : 1e6);
		const captured = u32(offset + 8);
		const frame = file.subarray(offset + 16, offset + 16 + captured);
		offset += 16 + captured;
		const ip = frame.subarray(linkBytes);
		if (ip.length < 20 || ip[0] >> 4 !== 4 || ip[9] !== 17) continue;
		const udp = ip.subarray((ip[0] & 0x0f) * 4);
		if (udp.length < 8) continue;
		const length = udp.readUInt16BE(4);
		datagrams.push({
			time,
			source: udp.readUInt16BE(0),
			destination: udp.readUInt16BE(2),
			payload: Buffer.from(udp.subarray(8, Math.min(udp.length, length))),
		});
	}

	return datagrams;
}

/** A pcap of IPv4/UDP datagrams between 127.0.0.1 ports (checksums zero: "not computed" for UDP). */
export function writePcap(datagrams: Datagram[]): Buffer {
	const parts: Buffer[] = [];
	const header = Buffer.alloc(24);
	header.writeUInt32LE(0xa1_b2_c3_d4, 0);
	header.writeUInt16LE(2, 4);
	header.writeUInt16LE(4, 6);
	header.writeUInt32LE(262_144, 16);
	header.writeUInt32LE(ETHERNET, 20);
	parts.push(header);
	for (const datagram of datagrams) {
		const frame = Buffer.alloc(14 + 20 + 8 + datagram.payload.length);
		frame.writeUInt16BE(0x08_00, 12); // IPv4
		const ip = frame.subarray(14);
		ip[0] = 0x45;
		ip.writeUInt16BE(20 + 8 + datagram.payload.length, 2);
		ip[8] = 64;
		ip[9] = 17;
		ip.writeUInt32BE(0x7f_00_00_01, 12);
		ip.writeUInt32BE(0x7f_00_00_01, 16);
		let sum = 0;
		for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
		while (sum > 0xff_ff) sum = (sum & 0xff_ff) + (sum >>> 16);
		ip.writeUInt16BE(~sum & 0xff_ff, 10);
		const udp = ip.subarray(20);
		udp.writeUInt16BE(datagram.source, 0);
		udp.writeUInt16BE(datagram.destination, 2);
		udp.writeUInt16BE(8 + datagram.payload.length, 4);
		datagram.payload.copy(udp, 8);
		const record = Buffer.alloc(16);
		record.writeUInt32LE(Math.floor(datagram.time), 0);
		record.writeUInt32LE(Math.round((datagram.time % 1) * 1e6) % 1e6, 4);
		record.writeUInt32LE(frame.length, 8);
		record.writeUInt32LE(frame.length, 12);
		parts.push(record, frame);
	}

	return Buffer.concat(parts);
}
