// Builds the optional udp_batch addon (npm's install script runs this). It never fails the
// install: without the addon tornet sends and receives through node:dgram, one datagram per
// system call, so a failed build prints one line and exits 0. `--verbose` shows node-gyp's output.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const verbose = process.argv.includes('--verbose');
if (process.platform !== 'linux') process.exit(0); // sendmmsg, UDP GSO/GRO: Linux only

// npm names its own node-gyp for install scripts; run by hand, look beside Node's npm.
const prefix = dirname(dirname(process.execPath));
const gyp =
	process.env['npm_config_node_gyp'] ??
	join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild', '--directory', here];
// Offline builds: the headers installed with Node, unless npm's config names a directory.
if (!process.env['npm_config_nodedir'] && existsSync(join(prefix, 'include/node/node_api.h'))) {
	args.push(`--nodedir=${prefix}`);
}

const result = existsSync(gyp)
	? spawnSync(process.execPath, args, {stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8'})
	: undefined;
if (result?.status !== 0) {
	const why = result ? `node-gyp exited with ${result.status ?? result.signal}` : 'no node-gyp';
	console.warn(
		`tornet: native UDP batching not built (${why}; node source/transport/native/build.mjs --verbose shows why); using node:dgram`,
	);
}
