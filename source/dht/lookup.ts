import {isTornetError} from '../errors.js';
import type {Clock, TimerHandle} from './clock.js';
import {
	compareToTarget,
	type ContactIndex,
	ID_WORDS,
	idWords,
	type IdTable,
	NONE,
} from './id-table.js';
import {IndexSet} from './index-set.js';
import type {DhtNetwork, FindChunkReply, FindNodeReply, TrafficMeter} from './network.js';
import {ANSWERED, IN_FLIGHT, SLOW, Shortlist} from './shortlist.js';

export type LookupConfig = {
	k: number;
	/** Requests in flight per path. */
	alpha: number;
	/** Disjoint paths (S/Kademlia): 1 for a plain lookup; no node is asked by two paths. */
	paths: number;
	/** Contacts asked for per request (≤ k); fewer means less search traffic per hop. */
	want: number;
	/** A request unanswered this long frees its slot for the next peer (it may still answer). */
	slowMs: number;
	/** Hard stop for the whole lookup. */
	maxMs: number;
};

/** What a lookup needs from the node running it. */
export type LookupHost = {
	readonly ids: IdTable;
	readonly clock: Clock;
	readonly network: DhtNetwork;
	/** This node's own index: never asked, never returned. */
	readonly self: ContactIndex;
	/** Writes our routing table's closest contacts to the target into `out`; returns the count. */
	seed(target: Uint32Array, n: number, out: Uint32Array): number;
	/** A contact answered: it is alive (routing table bookkeeping). */
	answered(contact: ContactIndex): void;
	/** A request to a contact failed or timed out. */
	failed(contact: ContactIndex): void;
};

export type LookupResult = {
	/** Chunk search: a holder answered. Always false for node lookups. */
	found: boolean;
	holder: ContactIndex;
	/**
	 * Chunk search: every holder learned on the way, the one that answered first, then those named
	 * by references (not yet asked: a fetcher tries them as extra sources), at most MAX_HOLDERS.
	 */
	holders: ContactIndex[];
	/**
	 * Rounds of requests on the path to the answer: contacts from our own table are asked in
	 * round 1, contacts they return in round 2, and so on (a timeout does not add a round, only
	 * time). Chunk search: the round in which the holder answered; node lookup: the round in which
	 * the closest node answered. 0 when nothing answered.
	 */
	hops: number;
	/** Highest query rate for the chunk any node reported on the way (per hour). */
	rate: number;
	/** Nodes that answered, closest to the target first, at most k. */
	closest: ContactIndex[];
	requests: number;
	timeouts: number;
	ms: number;
};

type Mode = 'node' | 'chunk';

/** Holders a chunk search reports at most (sources for a multi-source fetch). */
const MAX_HOLDERS = 8;

type Path = {
	list: Shortlist;
	/** Requests holding one of the α slots. */
	inFlight: number;
	/** Requests not yet answered or failed, slow ones included. */
	pending: number;
};

type Request = {
	path: Path;
	contact: ContactIndex;
	depth: number;
	slow: boolean;
	timer: TimerHandle;
};

/**
 * Iterative Kademlia lookup, shared by the real node and the simulator: α requests in flight per
 * path, a slow peer's slot handed to the next candidate after `slowMs`, optional disjoint paths,
 * and for chunk search an early stop when a holder answers. State is a few small typed arrays.
 */
export class Lookup {
	private readonly host: LookupHost;
	private readonly config: LookupConfig;
	private readonly mode: Mode;
	private readonly target: Uint8Array;
	private readonly words: Uint32Array;
	private readonly meter: TrafficMeter | undefined;
	private readonly paths: Path[] = [];
	/** Contacts already asked by some path: the disjointness rule. */
	private readonly asked = new IndexSet(64);
	private readonly started: number;
	private finished = false;
	private resolve!: (result: LookupResult) => void;
	private deadline: TimerHandle | undefined;
	private found = false;
	private holder: ContactIndex = NONE;
	private readonly holders: ContactIndex[] = [];
	private hops = 0;
	private rate = 0;
	private requests = 0;
	private timeouts = 0;

	constructor(
		host: LookupHost,
		mode: Mode,
		target: Uint8Array,
		config: LookupConfig,
		meter?: TrafficMeter,
	) {
		this.host = host;
		this.mode = mode;
		this.target = target;
		this.words = idWords(target);
		this.config = config;
		this.meter = meter;
		this.started = host.clock.now();
	}

	run(): Promise<LookupResult> {
		const promise = new Promise<LookupResult>((resolve) => {
			this.resolve = resolve;
		});
		const {k, paths} = this.config;
		const capacity = 2 * k + 16;
		for (let p = 0; p < paths; p++)
			this.paths.push({list: new Shortlist(capacity), inFlight: 0, pending: 0});
		const seeds = new Uint32Array(Math.max(k, paths * 4));
		const count = this.host.seed(this.words, seeds.length, seeds);
		// S/Kademlia: the initial closest contacts are dealt round-robin to the d paths.
		for (let i = 0; i < count; i++) {
			const path = this.paths[i % paths];
			const contact = seeds[i];
			if (contact === this.host.self) continue;
			path.list.insert(this.host.ids.words, this.words, contact, 1);
		}

		this.deadline = this.host.clock.setTimer(this.config.maxMs, () => this.finish());
		this.pump();
		return promise;
	}

	private pump(): void {
		if (this.finished) return;
		// A node lookup stops once only slow peers are left; a chunk search still waits for them,
		// since a slow holder is better than none.
		const waitForSlow = this.mode === 'chunk';
		let busy = false;
		for (const path of this.paths) {
			this.fill(path);
			if (path.inFlight > 0 || (waitForSlow && path.pending > 0)) busy = true;
		}

		if (!busy) this.finish();
	}

	private fill(path: Path): void {
		const {list} = path;
		while (path.inFlight < this.config.alpha) {
			const i = list.next(this.config.k);
			if (i < 0) return;
			const contact = list.contacts[i];
			if (!this.asked.add(contact)) {
				list.removeAt(i);
				continue;
			}

			list.state[i] = IN_FLIGHT;
			this.send(path, contact, list.depth[i]);
		}
	}

	private send(path: Path, contact: ContactIndex, depth: number): void {
		path.inFlight++;
		path.pending++;
		this.requests++;
		const request: Request = {path, contact, depth, slow: false, timer: undefined};
		request.timer = this.host.clock.setTimer(this.config.slowMs, () => {
			request.timer = undefined;
			request.slow = true;
			path.inFlight--;
			const i = path.list.indexOf(contact);
			if (i >= 0 && path.list.state[i] === IN_FLIGHT) path.list.state[i] = SLOW;
			this.pump();
		});
		const {network} = this.host;
		const reply =
			this.mode === 'chunk'
				? network.findChunk(contact, this.target, this.config.want, this.meter)
				: network.findNode(contact, this.target, this.config.want, this.meter);
		reply.then(
			(value) => {
				this.onReply(request, value);
			},
			(error: unknown) => {
				this.onError(request, error);
			},
		);
	}

	private settle(request: Request): void {
		if (request.timer !== undefined) {
			this.host.clock.clearTimer(request.timer);
			request.timer = undefined;
		}

		if (!request.slow) request.path.inFlight--;
		request.path.pending--;
		request.slow = true;
	}

	private onReply(request: Request, reply: FindNodeReply | FindChunkReply): void {
		this.settle(request);
		this.host.answered(request.contact);
		if (this.finished) return;
		const {path, depth} = request;
		const i = path.list.indexOf(request.contact);
		if (i >= 0) path.list.state[i] = ANSWERED;
		if ('held' in reply) {
			if (reply.rate > this.rate) this.rate = reply.rate;
			this.noteHolders(reply.holders);
			if (reply.held) {
				this.found = true;
				this.holder = request.contact;
				this.hops = depth;
				this.finish();
				return;
			}

			this.merge(path, reply.holders, depth + 1, true);
		}

		this.merge(path, reply.contacts, depth + 1, false);
		this.pump();
	}

	private onError(request: Request, error: unknown): void {
		this.settle(request);
		this.timeouts++;
		this.host.failed(request.contact);
		if (!this.finished) {
			const i = request.path.list.indexOf(request.contact);
			if (i >= 0) request.path.list.removeAt(i);
			this.pump();
		}

		// The network must reject with TornetErrors; anything else is a bug and stays loud.
		if (!isTornetError(error)) throw error;
	}

	private noteHolders(contacts: ArrayLike<ContactIndex>): void {
		const {self, ids} = this.host;
		for (let i = 0; i < contacts.length && this.holders.length < MAX_HOLDERS; i++) {
			const contact = contacts[i];
			if (contact === self || contact >= ids.count || this.holders.includes(contact)) continue;
			this.holders.push(contact);
		}
	}

	private merge(
		path: Path,
		contacts: ArrayLike<ContactIndex>,
		depth: number,
		priority: boolean,
	): void {
		const {ids, self} = this.host;
		const limit = ids.count;
		// A contact evicted from the list may come back when another node names it again, so
		// fake contacts that crowd the list only delay honest ones; asked ones never return.
		for (let i = 0; i < contacts.length; i++) {
			const contact = contacts[i];
			if (contact === self || contact >= limit) continue;
			if (this.asked.has(contact) || path.list.indexOf(contact) >= 0) continue;
			path.list.insert(ids.words, this.words, contact, depth, priority);
		}
	}

	private finish(): void {
		if (this.finished) return;
		this.finished = true;
		if (this.deadline !== undefined) this.host.clock.clearTimer(this.deadline);
		const closest = this.collectClosest();
		if (this.mode === 'node' && closest.length > 0) {
			for (const path of this.paths) {
				const i = path.list.indexOf(closest[0]);
				if (i >= 0) this.hops = path.list.depth[i];
			}
		}

		this.resolve({
			found: this.found,
			holder: this.holder,
			holders: this.found
				? [this.holder, ...this.holders.filter((h) => h !== this.holder)].slice(0, MAX_HOLDERS)
				: this.holders,
			hops: this.hops,
			rate: this.rate,
			closest,
			requests: this.requests,
			timeouts: this.timeouts,
			ms: this.host.clock.now() - this.started,
		});
	}

	private collectClosest(): ContactIndex[] {
		const all: ContactIndex[] = [];
		for (const path of this.paths) {
			const {list} = path;
			for (let i = 0; i < list.count; i++)
				if (list.state[i] === ANSWERED) all.push(list.contacts[i]);
		}

		const {words} = this.host.ids;
		all.sort((a, b) => compareToTarget(words, a * ID_WORDS, b * ID_WORDS, this.words));
		const unique: ContactIndex[] = [];
		for (const contact of all) {
			if (unique.length >= this.config.k) break;
			if (unique.at(-1) !== contact) unique.push(contact);
		}

		return unique;
	}
}
