import {execFile} from 'node:child_process';
import {promisify} from 'node:util';

const exec = promisify(execFile);

/** The lab's subnet: the bridge holds .1 (where the relay listens), node i holds .(10 + i). */
export const SUBNET = '10.77.0';
export const BRIDGE_IP = `${SUBNET}.1`;

/** Runs `ip …` (or `tc …`) and returns stdout; throws with stderr on failure. */
export async function run(command: 'ip' | 'tc', args: string[]): Promise<string> {
	try {
		const {stdout} = await exec(command, args);
		return stdout;
	} catch (error) {
		const {stderr} = error as {stderr?: string};
		throw new Error(`${command} ${args.join(' ')}: ${stderr?.trim() ?? String(error)}`);
	}
}

/** Why this machine cannot host the lab, or undefined when it can (root and `ip netns add` work). */
export async function cannotCreateNamespaces(prefix: string): Promise<string | undefined> {
	if (process.platform !== 'linux') return `network namespaces need Linux, not ${process.platform}`;
	if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
	const probe = `${prefix}probe`;
	try {
		await run('ip', ['netns', 'add', probe]);
	} catch (error) {
		return `cannot create a network namespace: ${(error as Error).message}`;
	}

	await run('ip', ['netns', 'del', probe]).catch(() => undefined);
	return undefined;
}

export type LabHost = {index: number; namespace: string; ip: string; hostVeth: string};

/**
 * N namespaces joined by veth pairs to one bridge in the root namespace: a small LAN of real
 * hosts on one machine. Names carry a per-run prefix so that teardown (and the final check) touch
 * only what this run made.
 */
export class Lab {
	readonly prefix: string;
	readonly bridge: string;
	readonly hosts: LabHost[] = [];

	constructor(prefix: string) {
		this.prefix = prefix;
		this.bridge = `${prefix}br`;
	}

	async create(count: number): Promise<void> {
		await run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
		await run('ip', ['addr', 'add', `${BRIDGE_IP}/24`, 'dev', this.bridge]);
		await run('ip', ['link', 'set', this.bridge, 'up']);
		for (let index = 1; index <= count; index++) {
			const namespace = `${this.prefix}n${index}`;
			const hostVeth = `${this.prefix}h${index}`;
			const inner = `${this.prefix}i${index}`;
			const ip = `${SUBNET}.${10 + index}`;
			await run('ip', ['netns', 'add', namespace]);
			this.hosts.push({index, namespace, ip, hostVeth});
			await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', inner]);
			await run('ip', ['link', 'set', hostVeth, 'master', this.bridge]);
			await run('ip', ['link', 'set', hostVeth, 'up']);
			await run('ip', ['link', 'set', inner, 'netns', namespace]);
			const inside = (args: string[]) => run('ip', ['-n', namespace, ...args]);
			await inside(['link', 'set', inner, 'name', 'eth0']);
			await inside(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
			await inside(['link', 'set', 'eth0', 'up']);
			await inside(['link', 'set', 'lo', 'up']);
		}
	}

	host(index: number): LabHost {
		const host = this.hosts[index - 1];
		if (!host) throw new Error(`no lab host ${index}`);
		return host;
	}

	/** Cut a host off (its veth down on both sides) or bring it back. */
	async setLink(index: number, up: boolean): Promise<void> {
		const {namespace, hostVeth} = this.host(index);
		const state = up ? 'up' : 'down';
		await run('ip', ['link', 'set', hostVeth, state]);
		await run('ip', ['-n', namespace, 'link', 'set', 'eth0', state]);
		if (up)
			await run('ip', [
				'-n',
				namespace,
				'addr',
				'replace',
				`${this.host(index).ip}/24`,
				'dev',
				'eth0',
			]);
	}

	/**
	 * Route host `index`'s traffic for `peerIp` nowhere: with it on both sides, two hosts reach each
	 * other only through the relay on the bridge (no NAT on this kernel, so routes do the steering).
	 */
	async blackhole(index: number, peerIp: string): Promise<void> {
		await run('ip', [
			'-n',
			this.host(index).namespace,
			'route',
			'add',
			'blackhole',
			`${peerIp}/32`,
		]);
	}

	/** A token bucket on the bridge side of a host's veth: caps what the host downloads. */
	async rateLimit(index: number, rate: string): Promise<void> {
		await run('tc', [
			'qdisc',
			'add',
			'dev',
			this.host(index).hostVeth,
			'root',
			'tbf',
			'rate',
			rate,
			'burst',
			'32kbit',
			'latency',
			'400ms',
		]);
	}

	async clearRateLimit(index: number): Promise<void> {
		await run('tc', ['qdisc', 'del', 'dev', this.host(index).hostVeth, 'root']).catch(
			() => undefined,
		);
	}

	/** Removes every namespace and link with this run's prefix (idempotent; never throws). */
	async destroy(): Promise<void> {
		// Links first: deleting a veth end removes its pair, even the end inside a namespace.
		for (const link of await this.links())
			await run('ip', ['link', 'del', link]).catch(() => undefined);
		for (const namespace of await this.namespaces())
			await run('ip', ['netns', 'del', namespace]).catch(() => undefined);
	}

	async namespaces(): Promise<string[]> {
		const listing = await run('ip', ['netns', 'list']).catch(() => '');
		return listing
			.split('\n')
			.map((line) => line.split(' ')[0])
			.filter((name) => name?.startsWith(this.prefix));
	}

	async links(): Promise<string[]> {
		const listing = await run('ip', ['-o', 'link', 'show']).catch(() => '');
		return listing
			.split('\n')
			.map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
			.filter((name): name is string => name?.startsWith(this.prefix) ?? false);
	}
}
