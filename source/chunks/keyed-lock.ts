/**
 * One async critical section per key (a chunk id): concurrent puts, deletes and pin changes of
 * the same chunk run one after another, different chunks in parallel. The map holds only keys in
 * use, so it stays as small as the number of operations in flight.
 */
export class KeyedLock {
	private readonly tails = new Map<string, Promise<void>>();

	isLocked(key: string): boolean {
		return this.tails.has(key);
	}

	async run<T>(key: string, task: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		let release!: () => void;
		const done = new Promise<void>((resolve) => {
			release = resolve;
		});
		const tail = previous.then(() => done);
		this.tails.set(key, tail);
		await previous;
		try {
			return await task();
		} finally {
			release();
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}

	/** Resolves once no key is locked (tasks queued meanwhile included). */
	async idle(): Promise<void> {
		while (this.tails.size > 0) await Promise.all(this.tails.values());
	}
}
