import {EventEmitter} from 'node:events';
import {TornetError} from '../errors.js';
import {TornetNode} from '../node/node.js';
import {nodeController} from '../node/node-controller.js';
import type {ConsoleDemo} from '../ui/console-demo.js';
import {type Demo, DEMO_DEFAULT_PEERS, demoCount, startDemo} from './demo.js';
import {EXIT_OK} from './exit.js';
import {type CommonFlags, nodeOptions} from './options.js';

/** `tornet start` on a terminal: the node in this process, with the Ink console over it. */
export async function startConsole(
	flags: CommonFlags & {color: boolean; demo?: number},
): Promise<number> {
	const count = demoCount(flags.demo);
	// React's development build doubles the console's CPU; set this before anything imports React.
	process.env['NODE_ENV'] ??= 'production';
	const {renderConsole} = await import('../ui/render.js');
	const {colorFromEnvironment} = await import('../ui/theme.js');
	const node = await TornetNode.open(nodeOptions(flags, {stats: true, control: true}));
	const lines = new EventEmitter<{line: [string]}>();
	let demo: Demo | undefined;
	const begin = async (peers: number) => {
		if (demo !== undefined)
			throw TornetError.badArgument(`a demo of ${demo.count} peers runs already`);
		demo = await startDemo({
			count: peers,
			dataDir: node.options.dataDir,
			operator: {
				address: node.address,
				host: flags.host,
				fetch: async (link, directory) => node.fetch(link, directory),
			},
			log(line, detail) {
				if (!detail) lines.emit('line', line);
			},
		});
		return `demo: starting ${peers} local peers; they join within seconds`;
	};

	const consoleDemo: ConsoleDemo = {
		offer: count === undefined && (flags.bootstrap ?? []).length === 0,
		defaultCount: DEMO_DEFAULT_PEERS,
		start: begin,
		subscribe(listener) {
			lines.on('line', listener);
			return () => lines.off('line', listener);
		},
	};
	const handle = renderConsole(nodeController(node), {
		color: flags.color && colorFromEnvironment(),
		demo: consoleDemo,
	});
	const stop = () => {
		handle.unmount();
	};

	process.once('SIGTERM', stop);
	try {
		if (count !== undefined) await begin(count);
		await handle.waitUntilExit();
	} finally {
		process.off('SIGTERM', stop);
		handle.unmount();
		await demo?.stop();
		await node.close();
	}

	return EXIT_OK;
}
