import {formatBytes, formatDuration, formatRate} from './format.js';

export type ProgressState = {
	label: string;
	done: number;
	total: number | null;
	/** Units of done/total: bytes get rates and sizes, items a plain count. */
	unit: 'bytes' | 'items';
	sources?: number;
};

/** Redraw at most this often: a terminal over SSH should not get a line per slice. */
const REDRAW_MS = 100;
const RATE_WINDOW_MS = 3000;
const BAR_WIDTH = 24;

/**
 * A one-line progress bar on stderr while a long command runs (publish, fetch): percentage, rate,
 * sources and ETA. Only on a terminal; in a pipe or a log it stays silent, so stdout and stderr
 * carry only results and errors.
 */
export class ProgressBar {
	private readonly stream: NodeJS.WriteStream;
	private readonly enabled: boolean;
	private lastDraw = 0;
	private samples: Array<[number, number]> = [];
	private label = '';
	private shown = false;

	constructor(stream: NodeJS.WriteStream = process.stderr, enabled = Boolean(stream.isTTY)) {
		this.stream = stream;
		this.enabled = enabled;
	}

	update(state: ProgressState): void {
		if (!this.enabled) return;
		const now = performance.now();
		if (state.label !== this.label) {
			this.label = state.label;
			this.samples = [];
		}

		this.samples.push([now, state.done]);
		while (this.samples.length > 2 && now - this.samples[1][0] >= RATE_WINDOW_MS)
			this.samples.shift();
		const finished = state.total !== null && state.done >= state.total;
		if (!finished && now - this.lastDraw < REDRAW_MS) return;
		this.lastDraw = now;
		const width = this.stream.columns ?? 80;
		this.stream.write(`\r\u001B[2K${this.line(state, now).slice(0, Math.max(10, width - 1))}`);
		this.shown = true;
	}

	/** Clears the bar so the result or error prints on a clean line. */
	done(): void {
		if (this.enabled && this.shown) this.stream.write('\r\u001B[2K');
		this.shown = false;
	}

	private line(state: ProgressState, now: number): string {
		const [since, then] = this.samples[0] ?? [now, state.done];
		const seconds = (now - since) / 1000;
		const rate = seconds > 0 ? (state.done - then) / seconds : 0;
		const parts = [state.label.padEnd(10)];
		if (state.total !== null && state.total > 0) {
			const fraction = Math.min(1, state.done / state.total);
			const filled = Math.round(fraction * BAR_WIDTH);
			parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
			parts.push(`${(fraction * 100).toFixed(0).padStart(3)}%`);
		}

		if (state.unit === 'bytes') {
			parts.push(
				state.total === null
					? formatBytes(state.done)
					: `${formatBytes(state.done)}/${formatBytes(state.total)}`,
			);
			if (rate > 0) parts.push(formatRate(rate));
		} else {
			parts.push(state.total === null ? `${state.done}` : `${state.done}/${state.total}`);
		}

		if (state.sources !== undefined) parts.push(`${state.sources} sources`);
		if (state.total !== null && rate > 0 && state.done < state.total)
			parts.push(`ETA ${formatDuration((state.total - state.done) / rate)}`);
		return parts.join('  ');
	}
}
