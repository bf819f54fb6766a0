import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

/**
 * The optional native addon of `native/` (Linux): sends a batch of datagrams to one destination in
 * one sendmmsg(2), runs of equal-size packets as UDP GSO messages. It is built at install time
 * (`node source/transport/native/build.mjs`); when it is missing, fails to load, or
 * TORNET_NO_NATIVE_UDP=1 is set, `udpBatchAddon()` returns undefined and every datagram goes through
 * node:dgram one by one, as before.
 */
export type UdpBatchAddon = {
	/**
	 * Sends `count` packets lying end to end from `packets[0]`, lengths in `lengths`, to one IP
	 * literal; returns how many left, in order from the first. `state`: see UdpBatchState.
	 */
	send(
		fd: number,
		packets: Uint8Array,
		lengths: Int32Array,
		count: number,
		host: string,
		port: number,
		state: Int32Array,
	): number;
	/**
	 * Reads the socket with recvmmsg and UDP GRO until receiveStop: `onBatch` gets a fresh
	 * Buffer holding `count` datagrams end to end, described in `meta` (per datagram:
	 * length, port, index into `hosts`). Undefined when it cannot start.
	 */
	receiveStart(
		fd: number,
		onBatch: (batch: Uint8Array, count: number) => void,
		meta: Int32Array,
		hosts: string[],
	): object | undefined;
	receiveStop(receiver: object): void;
	/** Whether the kernel knows UDP GSO (4.18+; older ones would send one large datagram). */
	gsoSupported(fd: number): boolean;
	constants: {
		EAGAIN: number;
		ENOBUFS: number;
		FLAG_GSO: number;
		FLAG_IPV6_SOCKET: number;
		STATE_LENGTH: number;
		META_FIELDS: number;
		RECEIVE_CAPACITY: number;
	};
};

/** Indices into the Int32Array each socket shares with the addon (mirrors udp-batch.c). */
export const UdpBatchState = {
	/** In: FLAG_GSO and FLAG_IPV6_SOCKET; the addon clears FLAG_GSO when the kernel refuses GSO. */
	flags: 0,
	/** Out: the errno that stopped the last batch early, 0 when all of it went. */
	errno: 1,
	/** Out, cumulative: sendmmsg calls. */
	calls: 2,
	/** Out, cumulative: GSO messages the kernel took. */
	gsoMessages: 3,
} as const;

/** `1`: no native I/O at all; `receive`: batched sends, but node:dgram receives (A/B runs). */
export const NO_NATIVE_ENV = 'TORNET_NO_NATIVE_UDP';
const ADDON_FILE = 'native/build/Release/udp_batch.node';
/** Where the addon lies: beside this file (tsx, tests), or back in source/ from dist/. */
export const ADDON_PATHS = [
	fileURLToPath(new URL(ADDON_FILE, import.meta.url)),
	fileURLToPath(new URL(`../../../source/transport/${ADDON_FILE}`, import.meta.url)),
];

let loaded: UdpBatchAddon | undefined | false;

/** The addon, or undefined (missing, unloadable, not Linux, or switched off by the environment). */
export function udpBatchAddon(): UdpBatchAddon | undefined {
	if (process.env[NO_NATIVE_ENV] === '1') return undefined;
	loaded ??= loadUdpBatch(ADDON_PATHS) ?? false;
	return loaded || undefined;
}

/** Whether the addon may also own the receive path (TORNET_NO_NATIVE_UDP=receive says no). */
export function nativeReceiveAllowed(): boolean {
	return process.env[NO_NATIVE_ENV] !== 'receive';
}

/** The first of `paths` that loads as the addon; undefined when none does. */
export function loadUdpBatch(paths: readonly string[]): UdpBatchAddon | undefined {
	if (process.platform !== 'linux') return undefined;
	const require = createRequire(import.meta.url);
	for (const path of paths) {
		try {
			const addon = require(path) as Partial<UdpBatchAddon> | undefined;
			if (
				typeof addon?.send === 'function' &&
				typeof addon.receiveStart === 'function' &&
				typeof addon.gsoSupported === 'function' &&
				typeof addon.constants === 'object'
			) {
				return addon as UdpBatchAddon;
			}
		} catch {
			// Not built here, built for another Node ABI, or not an addon: try the next place.
		}
	}

	return undefined;
}
