import type {Clock, TimerHandle} from '../dht/clock.js';

type Timer = {time: number; seq: number; fn: () => void; index: number};

/**
 * Virtual time for the simulator. Timers sit in a binary heap ordered by (time, insertion); run()
 * jumps from one instant to the next, fires every timer due then, and lets promise callbacks
 * settle (a macrotask turn) before moving on, so the DHT's async code runs exactly as it would on
 * a real clock, only without waiting.
 */
export class VirtualClock implements Clock {
	/**
	 * Timers fire on multiples of this (ms). Timers due at one instant share one macrotask turn,
	 * which is what makes a busy simulation fast; 1 ms is far below any latency simulated.
	 */
	readonly resolution: number;
	private current = 0;
	private seq = 0;
	private readonly heap: Timer[] = [];
	/** Timers fired so far (a measure of simulated work). */
	fired = 0;

	constructor(resolution = 1) {
		this.resolution = resolution;
	}

	now(): number {
		return this.current;
	}

	setTimer(ms: number, fn: () => void): TimerHandle {
		const due = this.current + Math.max(0, ms);
		const time = this.resolution > 0 ? Math.ceil(due / this.resolution) * this.resolution : due;
		const timer: Timer = {time, seq: this.seq++, fn, index: -1};
		this.push(timer);
		return timer;
	}

	/**
	 * Takes the timer out of the heap at once: request timeouts are cleared on almost every
	 * request, and leaving them in the heap until due keeps their closures alive long enough to be
	 * promoted out of the young generation (measured: a third of the run spent in GC).
	 */
	clearTimer(handle: TimerHandle): void {
		const timer = handle as Timer | undefined;
		if (!timer || timer.index < 0) return;
		const {heap} = this;
		const i = timer.index;
		timer.index = -1;
		const last = heap.pop()!;
		if (last === timer) return;
		heap[i] = last;
		last.index = i;
		this.siftUp(i);
		this.siftDown(last.index);
	}

	get pending(): number {
		return this.heap.length;
	}

	/**
	 * Runs until no timer is left (or virtual time passes `until`). Between instants it yields one
	 * macrotask turn, which drains every promise reaction the fired timers caused.
	 */
	async run(until = Number.POSITIVE_INFINITY): Promise<void> {
		await settle();
		while (this.heap.length > 0) {
			const time = this.heap[0].time;
			if (time > until) break;
			this.current = time;
			while (this.heap.length > 0 && this.heap[0].time === time) {
				const timer = this.pop();
				this.fired++;
				timer.fn();
			}

			await settle();
		}

		if (until !== Number.POSITIVE_INFINITY && until > this.current) this.current = until;
	}

	private push(timer: Timer): void {
		timer.index = this.heap.length;
		this.heap.push(timer);
		this.siftUp(timer.index);
	}

	private pop(): Timer {
		const {heap} = this;
		const top = heap[0];
		top.index = -1;
		const last = heap.pop()!;
		if (heap.length > 0) {
			heap[0] = last;
			last.index = 0;
			this.siftDown(0);
		}

		return top;
	}

	private siftUp(i: number): void {
		const {heap} = this;
		const timer = heap[i];
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!before(timer, heap[parent])) break;
			heap[i] = heap[parent];
			heap[i].index = i;
			i = parent;
		}

		heap[i] = timer;
		timer.index = i;
	}

	private siftDown(i: number): void {
		const {heap} = this;
		const timer = heap[i];
		for (;;) {
			const left = i * 2 + 1;
			if (left >= heap.length) break;
			const right = left + 1;
			const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
			if (!before(heap[child], timer)) break;
			heap[i] = heap[child];
			heap[i].index = i;
			i = child;
		}

		heap[i] = timer;
		timer.index = i;
	}
}

function before(a: Timer, b: Timer): boolean {
	return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

async function settle(): Promise<void> {
	await new Promise<void>((resolve) => {
		setImmediate(resolve);
	});
}
