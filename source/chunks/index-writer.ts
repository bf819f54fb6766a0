import type {ClassicLevel} from 'classic-level';

type Operation = {type: 'put'; key: Buffer; value: Buffer} | {type: 'del'; key: Buffer};
type Pending = {
	operation: Operation;
	sync: boolean;
	resolve: () => void;
	reject: (error: unknown) => void;
};

/**
 * Group commit for the chunk index: while one batch is being written, later writes queue and go
 * together in the next one. LevelDB calls run on libuv's thread pool, where they wait behind
 * body fsyncs; one batch per round instead of one call per chunk keeps the index off the critical
 * path of a publish. A write resolves once its batch is written, so "record after body" and the
 * per-chunk lock order hold as with direct calls. A batch holding a sync write is written synced.
 */
export class IndexWriter {
	private readonly db: ClassicLevel<Buffer, Buffer>;
	private queue: Pending[] = [];
	private writing = false;

	constructor(db: ClassicLevel<Buffer, Buffer>) {
		this.db = db;
	}

	async put(key: Buffer, value: Buffer, sync = false): Promise<void> {
		return this.enqueue({type: 'put', key, value}, sync);
	}

	async del(key: Buffer, sync = false): Promise<void> {
		return this.enqueue({type: 'del', key}, sync);
	}

	private async enqueue(operation: Operation, sync: boolean): Promise<void> {
		return new Promise((resolve, reject) => {
			this.queue.push({operation, sync, resolve, reject});
			if (!this.writing) void this.drain();
		});
	}

	private async drain(): Promise<void> {
		this.writing = true;
		while (this.queue.length > 0) {
			const batch = this.queue;
			this.queue = [];
			try {
				await this.db.batch(
					batch.map((pending) => pending.operation),
					{sync: batch.some((pending) => pending.sync)},
				);
				for (const pending of batch) pending.resolve();
			} catch (error) {
				for (const pending of batch) pending.reject(error);
			}
		}

		this.writing = false;
	}
}
