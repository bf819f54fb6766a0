import type {CongestionKind} from './controllers.js';
import {FrameReader, type FrameTarget} from './frame-reader.js';
import {BASE_PLPMTU, mtuCeiling} from './mtu-probe.js';
import {PacketSender, type SenderLink} from './packet-sender.js';
import {type StreamHost, StreamTable} from './stream-table.js';

/** Per-connection transport settings (an endpoint's defaults, or connect()'s options). */
export type TransportOptions = {
	/** 'cubic' (default) for the owner's traffic, 'bbr' for lossy paths, 'ledbat' for background serving. */
	congestion?: CongestionKind;
	/** Ceiling for path MTU probing (bytes of UDP payload); 1200 disables probing. */
	maxPacketSize?: number;
	/** Probe timeouts in a row without an acknowledgement before the peer counts as gone. */
	maxProbes?: number;
	idleTimeoutMs?: number;
	keepaliveMs?: number;
	/** Receive-window auto-tuning limits, bytes. */
	maxStreamWindow?: number;
	maxConnectionWindow?: number;
};

/** The reliability machinery of one connection: its streams, its sender, its frame parser. */
export type Machinery = {streams: StreamTable; sender: PacketSender; frames: FrameReader};

/** What the machinery needs from its connection. */
export type MachineryHost = {
	initiator: boolean;
	/** The peer's address (the MTU ceiling depends on it: loopback allows far more). */
	host: string;
	options: TransportOptions;
	streams: Omit<StreamHost, 'smoothedRtt'>;
	link: SenderLink;
	frames: FrameTarget;
};

/** Wires the stream table, the packet sender and the frame reader of a connection together. */
export function createMachinery(host: MachineryHost): Machinery {
	const {options} = host;
	let sender: PacketSender | undefined;
	const streams = new StreamTable(
		{...host.streams, smoothedRtt: () => sender!.recovery.rtt.smoothed},
		host.initiator,
		options,
	);
	const ceiling = Math.min(
		options.maxPacketSize ?? Number.POSITIVE_INFINITY,
		mtuCeiling(host.host),
	);
	sender = new PacketSender(streams, host.link, {
		congestion: options.congestion ?? 'cubic',
		mtuCeiling: Math.max(BASE_PLPMTU, ceiling),
		maxProbes: options.maxProbes,
	});
	const frames = new FrameReader(streams, sender, host.frames);
	return {streams, sender, frames};
}
