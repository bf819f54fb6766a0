import {TornetError} from '../errors.js';
import {KeyedLock} from './keyed-lock.js';
import {diskCost} from './store-layout.js';

/**
 * The disk budget (the node's --disk): the disk cost of stored bodies plus reservations for
 * writes and downloads in flight. Reservations are serialised so that two writes never both
 * evict for the same free space, and a write that cannot be made to fit is DISK_FULL before a
 * byte of it is written.
 */
export class DiskBudget {
	used: number;
	private limit: number;
	private readonly lock = new KeyedLock();

	constructor(limit: number, used: number) {
		this.limit = limit;
		this.used = used;
	}

	get bytes(): number {
		return this.limit;
	}

	/** A smaller budget is enforced on the next write (nothing is dropped now). */
	setBytes(bytes: number): void {
		if (!(bytes >= 0)) throw TornetError.badArgument(`disk budget ${bytes}`);
		this.limit = bytes;
	}

	/** Reserves a body's disk cost; `makeRoom(bytes)` is asked to free what is missing first. */
	async reserve(
		size: number,
		pinned: boolean,
		makeRoom: (bytes: number) => Promise<void>,
	): Promise<void> {
		const cost = diskCost(size);
		await this.lock.run('budget', async () => {
			if (this.used + cost > this.limit) await makeRoom(this.used + cost - this.limit);
			if (this.used + cost > this.limit) {
				const what = pinned ? 'a pinned chunk' : 'a cached chunk';
				throw new TornetError(
					'DISK_FULL',
					`${what} of ${size} bytes does not fit: ${this.used} of ${this.limit} bytes used`,
				);
			}

			this.used += cost;
		});
	}

	release(size: number): void {
		this.used -= diskCost(size);
	}
}
