import {TornetNode} from '../node/node.js';
import {nodeController} from '../node/node-controller.js';
import {EXIT_OK} from './exit.js';
import {type CommonFlags, nodeOptions} from './options.js';

/** `tornet start` on a terminal: the node in this process, with the Ink console over it. */
export async function startConsole(flags: CommonFlags & {color: boolean}): Promise<number> {
	// React's development build doubles the console's CPU; set this before anything imports React.
	process.env['NODE_ENV'] ??= 'production';
	const {renderConsole} = await import('../ui/render.js');
	const {colorFromEnvironment} = await import('../ui/theme.js');
	const node = await TornetNode.open(nodeOptions(flags, {stats: true, control: true}));
	const handle = renderConsole(nodeController(node), {
		color: flags.color && colorFromEnvironment(),
	});
	const stop = () => {
		handle.unmount();
	};

	process.once('SIGTERM', stop);
	await handle.waitUntilExit();
	process.off('SIGTERM', stop);
	await node.close();
	return EXIT_OK;
}
