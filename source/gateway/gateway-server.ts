import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {isIP} from 'node:net';
import {TornetError} from '../errors.js';
import {cachedContent} from './description-cache.js';
import {sendText, statusOf} from './error-response.js';
import type {GatewayContent} from './gateway-content.js';
import {type ContentRouteOptions, routeContent} from './content-route.js';

/**
 * The read-only HTTP gateway: `GET|HEAD /tornet/<link>[/<path>]` on localhost, so a browser can
 * open tornet content (content-route.ts says what each URL serves).
 *
 * It listens on loopback only unless told otherwise: it serves whatever the node can reach to
 * whoever connects. And since any web page the user visits can point requests at localhost, or
 * rebind its own domain name to 127.0.0.1 to read the answers, a loopback gateway only answers
 * requests whose Host header names loopback.
 */
export type GatewayOptions = {
	content: GatewayContent;
	/** 0 (the default) picks a free port. */
	port?: number;
	/** Default 127.0.0.1. Anything but loopback needs `allowRemote`. */
	host?: string;
	allowRemote?: boolean;
	/** Host header names accepted besides loopback ones (when the gateway sits behind a proxy). */
	allowedHosts?: string[];
	/** Longest wait for a description before 504 (default 30 s). */
	descriptionTimeoutMs?: number;
	/** Longest wait for each piece of a body (default 30 s); after it the connection is cut. */
	readTimeoutMs?: number;
	/** Keep recent descriptions (default true; see description-cache.ts). */
	cacheDescriptions?: boolean;
	/** Unexpected failures (bugs), for the node's log; clients only see "internal error". */
	onError?: (error: unknown, url: string) => void;
};

export type Gateway = {port: number; host: string; url: string; close(): Promise<void>};

const DEFAULT_TIMEOUT_MS = 30_000;
/** Connections at once: a browser opens about six per host; more is a runaway client. */
const MAX_CONNECTIONS = 256;
const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
	const name = host.toLowerCase();
	if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return true;
	return isIP(name) === 4 && name.startsWith('127.');
}

/** The host name of a Host header, without its port. */
function hostName(header: string): string {
	if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
	const colon = header.indexOf(':');
	return colon === -1 ? header : header.slice(0, colon);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
	const host = options.host ?? '127.0.0.1';
	const port = options.port ?? 0;
	if (!isLoopbackHost(host) && !options.allowRemote)
		throw TornetError.badArgument(
			`the gateway serves anyone who connects: ${host} is not loopback (allowRemote to insist)`,
		);
	if (!Number.isInteger(port) || port < 0 || port > 65_535)
		throw TornetError.badArgument(`gateway port ${port}`);
	const content =
		options.cacheDescriptions === false ? options.content : cachedContent(options.content);
	const allowed = new Set((options.allowedHosts ?? []).map((name) => name.toLowerCase()));
	const checkHost = !options.allowRemote || allowed.size > 0;
	const route: ContentRouteOptions = {
		content,
		descriptionTimeoutMs: options.descriptionTimeoutMs ?? DEFAULT_TIMEOUT_MS,
		readTimeoutMs: options.readTimeoutMs ?? DEFAULT_TIMEOUT_MS,
	};

	const server = createServer((request, response) => {
		void handle(request, response).catch((error: unknown) => {
			if (response.destroyed) return; // the client left: no one to answer, nothing failed
			const {status, message} = statusOf(error);
			if (status === 500) options.onError?.(error, request.url ?? '');
			if (!response.headersSent) sendText(response, status, message);
			else response.destroy(); // mid-body: a cut connection tells the client it is incomplete
		});
	});
	server.maxConnections = MAX_CONNECTIONS;

	async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		response.setHeader('X-Content-Type-Options', 'nosniff');
		response.setHeader('Referrer-Policy', 'no-referrer'); // the URL holds the link and its key
		const hostHeader = request.headers.host;
		if (checkHost && hostHeader !== undefined) {
			const name = hostName(hostHeader).toLowerCase();
			if (!isLoopbackHost(name) && !allowed.has(name)) {
				sendText(response, 403, 'this gateway answers only requests addressed to localhost');
				return;
			}
		}

		if (request.method !== 'GET' && request.method !== 'HEAD') {
			sendText(response, 405, 'the gateway is read-only', {Allow: 'GET, HEAD'});
			return;
		}

		const controller = new AbortController();
		// 'close' also follows a finished response, when aborting is harmless.
		response.once('close', () => {
			controller.abort();
		});
		await routeContent(request, response, route, controller);
	}

	await new Promise<void>((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException) => {
			reject(
				error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
					? TornetError.badArgument(`gateway cannot listen on ${host}:${port} (${error.code})`)
					: error,
			);
		};

		server.once('error', onError);
		server.listen(port, host, () => {
			server.off('error', onError);
			resolve();
		});
	});
	server.on('error', (error) => options.onError?.(error, ''));

	const address = server.address();
	const bound = typeof address === 'object' && address ? address.port : port;
	const urlHost = isIP(host) === 6 ? `[${host}]` : host;
	return {
		port: bound,
		host,
		url: `http://${urlHost}:${bound}`,
		close: async () => closeServer(server),
	};
}

async function closeServer(server: Server): Promise<void> {
	if (!server.listening) return;
	const closed = new Promise<void>((resolve) => {
		server.close(() => {
			resolve();
		});
	});
	server.closeAllConnections(); // streaming responses would otherwise hold close() open
	await closed;
}
