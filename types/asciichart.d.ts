// asciichart 1.5 ships no types; this declares the part the console uses.
declare module 'asciichart' {
	type PlotConfig = {
		min?: number;
		max?: number;
		height?: number;
		offset?: number;
		padding?: string;
		colors?: string[];
		symbols?: string[];
		format?: (value: number, index: number) => string;
	};

	const asciichart: {
		plot(series: number[] | number[][], config?: PlotConfig): string;
		green: string;
		cyan: string;
		yellow: string;
		magenta: string;
		red: string;
		blue: string;
		reset: string;
	};

	export default asciichart;
}
