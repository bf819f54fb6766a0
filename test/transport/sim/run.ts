import type {SimEndpoint} from './endpoint.js';
import type {Network} from './network.js';

const CHUNK = 64 * 1024; // application write size

/** An application writing `data` as fast as backpressure allows, then ending the stream. */
export class Pump {
	written = 0;
	readonly endpoint: SimEndpoint;
	readonly data: Uint8Array;

	constructor(endpoint: SimEndpoint, data: Uint8Array) {
		this.endpoint = endpoint;
		this.data = data;
	}

	step(now: number): void {
		const stream = this.endpoint.sendStream;
		if (stream.finWritten) return;
		while (this.written < this.data.length && stream.writable) {
			const chunk = this.data.subarray(this.written, this.written + CHUNK);
			this.written += chunk.length;
			this.endpoint.write(chunk, now);
		}

		if (this.written === this.data.length) this.endpoint.end(now);
	}
}

/**
 * Runs the virtual clock until `done()` or `limit` ms: jumps to the next arrival or timer,
 * delivers, fires due timers, lets the applications write. Returns the virtual time reached.
 */
export function run(
	network: Network,
	endpoints: SimEndpoint[],
	pumps: Pump[],
	done: () => boolean,
	limit: number,
	onStep?: (now: number) => void,
): number {
	let now = 0;
	let stalls = 0;
	for (const pump of pumps) pump.step(now);
	while (!done()) {
		let next = network.nextArrival;
		for (const endpoint of endpoints) next = Math.min(next, endpoint.nextTimer(now));
		if (next > limit) return limit;
		if (next <= now && ++stalls > 100_000) throw new Error(`simulation stalled at ${now} ms`);
		if (next > now) stalls = 0;
		now = Math.max(now, next);
		network.now = now;
		network.deliver(now);
		for (const endpoint of endpoints) {
			if (endpoint.nextTimer(now) <= now) endpoint.onTimer(now);
		}

		for (const pump of pumps) pump.step(now);
		onStep?.(now);
	}

	return now;
}
