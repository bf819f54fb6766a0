import {loadavg} from 'node:os';
import {isCongestionKind} from '../source/transport/controllers.js';
import {INTERNET_CEILING, LOOPBACK_CEILING} from '../source/transport/mtu-probe.js';
import {nativeReceiveAllowed, udpBatchAddon} from '../source/transport/udp-batch.js';
import {
	type Limits,
	type Measured,
	measureRaw,
	measureTcp,
	measureTornet,
	measureUdx,
	type Path,
} from './transport-run.js';

/**
 * Bulk throughput between two processes on loopback: raw node:dgram (the ceiling of this stack),
 * udx-native (C, unencrypted), TCP, and tornet at 1200-byte packets and at the path MTU it finds.
 * MB/s as the receiver counts it (first byte to last) and CPU seconds per GB, both processes.
 *
 *   npm run bench:transport -- [--seconds 5] [--bytes N] [--runs 1] [--hwm BYTES] [--json]
 *   npm run bench:transport -- --loss 2 --delay 20 [--seed 1]   (through a relay: udx vs tornet)
 *   npm run bench:transport -- --only udx,tornet [--congestion bbr]   (some rows; a controller)
 *
 * With --runs N each row is the median of N runs. With --json the last line is one JSON object.
 * TORNET_NO_NATIVE_UDP=1 runs tornet without its native batched UDP I/O (=receive: sends only).
 */
const usage = `Usage: npm run bench:transport -- [options]
  --seconds S       seconds per row (5)
  --bytes N         stop each row after N bytes
  --runs N          runs per row; each row is the median (1)
  --hwm BYTES       tornet stream high-water mark
  --loss P          through a relay that drops P % each way (with --delay)
  --delay MS        … and delays every packet MS one way
  --seed N          the relay's random seed (1)
  --only a,b        only these rows: raw udx tcp tornet tornet1452 tornetPmtu rawPmtu
  --congestion K    tornet's congestion controller (cubic, bbr, newreno, ledbat)
  --json            one JSON object as the last line
Environment: TORNET_NO_NATIVE_UDP=1 (tornet without batched UDP I/O), =receive (batched sends only)`;
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
	console.log(usage);
	process.exit(0);
}

const flag = (name: string, fallback: number) => {
	const index = argv.indexOf(`--${name}`);
	const value = index === -1 ? Number.NaN : Number(argv[index + 1]);
	return Number.isFinite(value) && value >= 0 ? value : fallback;
};

const text = (name: string) => {
	const index = argv.indexOf(`--${name}`);
	return index === -1 ? undefined : argv[index + 1];
};

const congestion = text('congestion');
if (congestion !== undefined && !isCongestionKind(congestion)) {
	console.error(`unknown congestion controller ${congestion}\n${usage}`);
	process.exit(2);
}

const limits: Limits = {
	seconds: flag('seconds', 5),
	bytes: flag('bytes', Number.POSITIVE_INFINITY),
	highWaterMark: argv.includes('--hwm') ? flag('hwm', 1024 * 1024) : undefined,
	congestion,
};
const only = text('only')?.split(',');
const runs = Math.max(1, Math.round(flag('runs', 1)));
const json = argv.includes('--json');
const loss = flag('loss', 0);
const delay = flag('delay', 0);
const path: Path | undefined =
	loss > 0 || delay > 0 ? {loss, delay, seed: flag('seed', 1)} : undefined;

async function median(measure: () => Promise<Measured>): Promise<Measured> {
	const results: Measured[] = [];
	for (let i = 0; i < runs; i++) results.push(await measure());
	results.sort((a, b) => a.MBps - b.MBps);
	return results[Math.floor(results.length / 2)];
}

type Row = {key: string; label: string; measured: Measured};
const rows: Row[] = [];
async function row(key: string, label: string, measure: () => Promise<Measured>) {
	if (only && !only.includes(key)) return;
	const measured = await median(measure);
	rows.push({key, label, measured});
	if (!json) process.stderr.write(`  ${label}: ${measured.MBps.toFixed(1)} MB/s\n`);
}

const load = loadavg()[0];
// tornet's batched UDP I/O (the native addon; the environment reaches the receiving process too).
const native = udpBatchAddon()
	? nativeReceiveAllowed()
		? 'sendmmsg+GSO, recvmmsg+GRO'
		: 'sendmmsg+GSO'
	: 'off';
if (path) {
	await row('udx', 'udx-native', async () => measureUdx(limits, path));
	await row('tornet', 'tornet, 1200 B', async () => measureTornet(1200, limits, path));
	await row('tornetPmtu', 'tornet, path MTU', async () =>
		measureTornet(LOOPBACK_CEILING, limits, path),
	);
} else {
	await row('raw', 'raw dgram, 1200 B', async () => measureRaw(1200, limits));
	await row('udx', 'udx-native', async () => measureUdx(limits));
	await row('tcp', 'TCP (node:net)', async () => measureTcp(limits));
	await row('tornet', 'tornet, 1200 B', async () => measureTornet(1200, limits));
	// The Ethernet-sized ceiling tornet probes up to off loopback.
	await row('tornet1452', 'tornet, 1452 B', async () => measureTornet(INTERNET_CEILING, limits));
	await row('tornetPmtu', 'tornet, path MTU', async () => measureTornet(LOOPBACK_CEILING, limits));
	const pmtu =
		rows.find((entry) => entry.key === 'tornetPmtu')?.measured.packet ?? LOOPBACK_CEILING;
	await row('rawPmtu', `raw dgram, ${pmtu} B`, async () => measureRaw(pmtu, limits));
}

const udx = rows.find((entry) => entry.key === 'udx')?.measured.MBps ?? 0;
const title = path
	? `tornet transport bench through a relay: ${loss} % loss, ${delay} ms one way (seed ${path.seed})`
	: 'tornet transport bench: two processes on loopback';
console.log(
	`${title}; ${limits.seconds} s per row, median of ${runs}, load ${load.toFixed(2)}, native UDP ${native}`,
);
const header = ['what', 'packet', 'MB/s', '× udx', 'CPU s/GB'];
const table = rows.map(({label, measured}) => [
	label,
	measured.packet ? String(measured.packet) : '',
	measured.MBps.toFixed(1),
	udx > 0 ? (measured.MBps / udx).toFixed(2) : '',
	measured.cpuPerGB.toFixed(1),
]);
const widths = header.map((name, i) =>
	Math.max(name.length, ...table.map((cells) => cells[i].length)),
);
const line = (cells: string[]) =>
	cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
console.log(line(header));
for (const cells of table) console.log(line(cells));
for (const {label, measured} of rows) {
	if (measured.lost !== undefined) {
		console.log(`${label}: ${measured.lost} packets lost, smoothed RTT ${measured.rttMs} ms`);
	}
}

if (json) {
	const out: Record<string, unknown> = {seconds: limits.seconds, runs, load, nativeUdp: native};
	if (path) Object.assign(out, {loss, delay, seed: path.seed});
	for (const {key, measured} of rows) {
		out[key] = {
			...measured,
			MBps: Number(measured.MBps.toFixed(1)),
			cpuPerGB: Number(measured.cpuPerGB.toFixed(2)),
			ratioToUdx: udx > 0 ? Number((measured.MBps / udx).toFixed(3)) : null,
		};
	}

	console.log(JSON.stringify(out));
}
