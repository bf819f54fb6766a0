import type {Connection} from '../transport/connection.js';

/** Measure each peer's round trip this often with an RPC ping (it doubles as keepalive). */
export const RTT_PROBE_MS = 5000;
/** Weight of a new RTT sample in the smoothed value (RFC 6298's 1/8). */
const RTT_GAIN = 1 / 8;

/** Each connection's smoothed RPC round trip, forgotten with the connection. */
export class RttTable {
	private readonly rtt = new WeakMap<Connection, number>();

	get(connection: Connection): number | undefined {
		return this.rtt.get(connection);
	}

	record(connection: Connection, sample: number): void {
		const previous = this.rtt.get(connection);
		this.rtt.set(
			connection,
			previous === undefined ? sample : previous + RTT_GAIN * (sample - previous),
		);
	}
}
