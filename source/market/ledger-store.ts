/**
 * Where a ledger keeps its records: a tiny key-value interface with an atomic batch, so real nodes
 * use LevelDB (classic-level, or any abstract-level database or sublevel) and the simulator a Map,
 * both under the same Ledger code. Keys and values are UTF-8 strings.
 */
export type StoreOp = {type: 'put'; key: string; value: string} | {type: 'del'; key: string};

export type LedgerStore = {
	get(key: string): Promise<string | undefined>;
	/** All or nothing, also across a crash. */
	batch(ops: StoreOp[]): Promise<void>;
	/** Entries with gte ≤ key < lt in key order (at most `limit`). */
	range(gte: string, lt: string, limit?: number): AsyncIterable<[string, string]>;
};

/** The part of an abstract-level database (ClassicLevel, a sublevel…) the ledger uses. */
export type LevelLike = {
	get(key: string, options: {keyEncoding: 'utf8'; valueEncoding: 'utf8'}): Promise<unknown>;
	batch(
		ops: StoreOp[],
		options: {keyEncoding: 'utf8'; valueEncoding: 'utf8'; sync?: boolean},
	): Promise<void>;
	iterator(options: {
		gte: string;
		lt: string;
		limit?: number;
		keyEncoding: 'utf8';
		valueEncoding: 'utf8';
	}): AsyncIterable<[unknown, unknown]>;
};

const UTF8 = {keyEncoding: 'utf8', valueEncoding: 'utf8'} as const;

/**
 * A ledger inside a database the caller opened, under a key prefix (default "market!"), with
 * explicit UTF-8 encodings so the database's own defaults (the chunk index uses buffers) do not
 * matter. Batches are written with sync: a charge acknowledged to a peer survives power loss.
 */
export class LevelStore implements LedgerStore {
	private readonly db: LevelLike;
	private readonly prefix: string;

	constructor(db: LevelLike, prefix = 'market!') {
		this.db = db;
		this.prefix = prefix;
	}

	async get(key: string): Promise<string | undefined> {
		const value = await this.db.get(this.prefix + key, UTF8);
		return typeof value === 'string' ? value : undefined;
	}

	async batch(ops: StoreOp[]): Promise<void> {
		const prefixed = ops.map((op) => ({...op, key: this.prefix + op.key}));
		await this.db.batch(prefixed, {...UTF8, sync: true});
	}

	async *range(gte: string, lt: string, limit?: number): AsyncIterable<[string, string]> {
		const iterator = this.db.iterator({
			...UTF8,
			gte: this.prefix + gte,
			lt: this.prefix + lt,
			...(limit === undefined ? {} : {limit}),
		});
		for await (const [key, value] of iterator)
			yield [String(key).slice(this.prefix.length), String(value)];
	}
}

/** The simulator's store: a Map, with the same batch semantics (all ops or none). */
export class MemoryStore implements LedgerStore {
	readonly map = new Map<string, string>();

	async get(key: string): Promise<string | undefined> {
		return this.map.get(key);
	}

	async batch(ops: StoreOp[]): Promise<void> {
		for (const op of ops) {
			if (op.type === 'put') this.map.set(op.key, op.value);
			else this.map.delete(op.key);
		}
	}

	async *range(
		gte: string,
		lt: string,
		limit = Number.POSITIVE_INFINITY,
	): AsyncIterable<[string, string]> {
		const keys = [...this.map.keys()].filter((key) => key >= gte && key < lt).sort();
		for (const key of keys.slice(0, limit)) {
			const value = this.map.get(key);
			if (value !== undefined) yield [key, value];
		}
	}
}
