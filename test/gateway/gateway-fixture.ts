import {mkdir, writeFile} from 'node:fs/promises';
import {request as httpRequest, type IncomingHttpHeaders} from 'node:http';
import {join} from 'node:path';
import type {ExecutionContext} from 'ava';
import type {ChunkStore} from '../../source/chunks/chunk-store.js';
import {publishFile} from '../../source/chunks/publish-local.js';
import {
	type Gateway,
	type GatewayOptions,
	startGateway,
} from '../../source/gateway/gateway-server.js';
import {temporaryDirectory} from '../chunks/store-fixture.js';

/** A gateway on an ephemeral loopback port, closed when the test ends. */
export async function testGateway(t: ExecutionContext, options: GatewayOptions): Promise<Gateway> {
	const gateway = await startGateway(options);
	t.teardown(async () => gateway.close());
	return gateway;
}

/** Publishes `files` (path → bytes or text) as a directory named `name`; returns its link. */
export async function publishTree(
	t: ExecutionContext,
	store: ChunkStore,
	name: string,
	files: Record<string, string | Buffer>,
): Promise<string> {
	const root = join(await temporaryDirectory(t, 'tornet-gateway-'), name);
	for (const [path, bytes] of Object.entries(files)) {
		const absolute = join(root, ...path.split('/'));
		await mkdir(join(absolute, '..'), {recursive: true});
		await writeFile(absolute, bytes);
	}

	return (await publishFile(store, root)).link;
}

export async function publishBytes(
	t: ExecutionContext,
	store: ChunkStore,
	name: string,
	bytes: Buffer,
): Promise<string> {
	const path = join(await temporaryDirectory(t, 'tornet-gateway-'), name);
	await writeFile(path, bytes);
	return (await publishFile(store, path)).link;
}

export type RawResponse = {status: number; headers: IncomingHttpHeaders; body: Buffer};

/**
 * A request sent exactly as written: fetch normalises `..` and `%2e%2e` away before sending,
 * which would hide what the server does with them.
 */
export async function raw(
	gateway: Gateway,
	path: string,
	options: {method?: string; headers?: Record<string, string>} = {},
): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const request = httpRequest(
			{
				host: gateway.host,
				port: gateway.port,
				path,
				method: options.method ?? 'GET',
				headers: options.headers,
			},
			(response) => {
				const parts: Buffer[] = [];
				response.on('data', (part: Buffer) => parts.push(part));
				response.on('error', reject);
				response.on('end', () => {
					resolve({
						status: response.statusCode ?? 0,
						headers: response.headers,
						body: Buffer.concat(parts),
					});
				});
			},
		);
		request.on('error', reject);
		request.end();
	});
}
