import type {ContactIndex} from './id-table.js';
import {MAX_REFERENCES} from './messages.js';
import type {ContactSpace} from './network.js';

type Entry = {holders: number[]; expires: number};

/**
 * Pushed chunk references kept by a node near a chunk's id: "node X holds chunk C away from its
 * normal place". Bounded twice: at most `maxChunks` chunks (oldest entry dropped first) and
 * MAX_REFERENCES holders each (oldest holder dropped first); entries expire after `ttlMs`, so a
 * holder that stops renewing is forgotten. Holders are pinned in the contact space while listed.
 */
export class ReferenceTable {
	private readonly space: ContactSpace;
	private readonly maxChunks: number;
	private readonly ttlMs: number;
	private readonly entries = new Map<string, Entry>();

	constructor(space: ContactSpace, maxChunks = 1024, ttlMs = 3_600_000) {
		this.space = space;
		this.maxChunks = maxChunks;
		this.ttlMs = ttlMs;
	}

	get size(): number {
		return this.entries.size;
	}

	add(key: string, holder: ContactIndex, now: number): void {
		let entry = this.entries.get(key);
		if (entry === undefined) {
			if (this.entries.size >= this.maxChunks) {
				const oldest = this.entries.keys().next().value!;
				this.drop(oldest);
			}

			entry = {holders: [], expires: 0};
			this.entries.set(key, entry);
		}

		entry.expires = now + this.ttlMs;
		const at = entry.holders.indexOf(holder);
		if (at !== -1) return;
		if (entry.holders.length >= MAX_REFERENCES) this.space.unpin(entry.holders.shift()!);
		entry.holders.push(holder);
		this.space.pin(holder);
	}

	/** Holders of a chunk (empty when unknown or expired). */
	get(key: string, now: number): readonly ContactIndex[] {
		const entry = this.entries.get(key);
		if (entry === undefined) return [];
		if (entry.expires <= now) {
			this.drop(key);
			return [];
		}

		return entry.holders;
	}

	/** Forgets a holder that turned out not to have the chunk or not to answer. */
	removeHolder(key: string, holder: ContactIndex): void {
		const entry = this.entries.get(key);
		if (entry === undefined) return;
		const at = entry.holders.indexOf(holder);
		if (at === -1) return;
		entry.holders.splice(at, 1);
		this.space.unpin(holder);
		if (entry.holders.length === 0) this.entries.delete(key);
	}

	private drop(key: string): void {
		const entry = this.entries.get(key);
		if (entry === undefined) return;
		for (const holder of entry.holders) this.space.unpin(holder);
		this.entries.delete(key);
	}
}
