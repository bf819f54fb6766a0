/**
 * The demo network as the console sees it (the CLI owns the processes): the console offers it on
 * first run, starts it on `:demo [n]`, and shows what it reports on the status line.
 */
export type ConsoleDemo = {
	/** The node runs alone (no --bootstrap, no --demo): ask once whether to start the demo. */
	offer: boolean;
	/** Peers started when the operator accepts the offer or types `:demo` alone. */
	defaultCount: number;
	/** Starts `count` local peers; resolves with a line for the status line. */
	start(count: number): Promise<string>;
	/** Milestones of a running demo (peers joined …), for the status line. */
	subscribe(listener: (line: string) => void): () => void;
};
