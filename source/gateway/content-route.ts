import type {IncomingMessage, ServerResponse} from 'node:http';
import type {FileDescription, FileEntry} from '../chunks/file-description.js';
import {hash160} from '../identity/hash.js';
import {contentTypeOf} from './content-types.js';
import {findFile, isDirectory, listDirectory} from './directory-listing.js';
import {sendText} from './error-response.js';
import {entrySource, type Representation, sendBody, withDeadline} from './file-response.js';
import type {GatewayContent} from './gateway-content.js';
import {renderIndex} from './index-page.js';
import {type GatewayTarget, isTargetProblem, parseTarget, targetUrl} from './request-path.js';

/**
 * What a gateway URL serves, once its description is loaded:
 *
 *   /tornet/<link>            a file description: the file; a directory: redirect to .../
 *   /tornet/<link>/           a directory: its index.html, or a generated index
 *   /tornet/<link>/<path>     a file of the tree (or of a file description, by its name)
 *   /tornet/<link>/<dir>      redirect to .../<dir>/, served like the root
 *
 * Directories are served from URLs ending in '/' so that relative links in their pages resolve
 * inside them, as on any web server.
 */
export type ContentRouteOptions = {
	content: GatewayContent;
	descriptionTimeoutMs: number;
	readTimeoutMs: number;
};

/** Content addresses never change what they name: caches may keep answers for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * Published content is untrusted. Everything served from it runs in a sandbox (an opaque origin,
 * no scripts, forms, popups or plugins), and may load only other gateway content: a request to
 * another host would tell that host who is reading what.
 */
export const CONTENT_SECURITY_POLICY = [
	'sandbox',
	"default-src 'none'",
	"img-src 'self' data: blob:",
	"media-src 'self' data: blob:",
	"font-src 'self' data:",
	"style-src 'self' 'unsafe-inline'",
	"frame-src 'self'",
	"base-uri 'none'",
	"form-action 'none'",
].join('; ');
/** Bumped when the generated index changes, so caches holding the old page drop it. */
const INDEX_VERSION = 1;

function tag(target: GatewayTarget, path: string): string {
	const name = hash160(Buffer.from(path)).subarray(0, 8).toString('hex');
	return `${target.link.id.toString('hex')}-${name}`;
}

/** RFC 6266: a quoted ASCII fallback and the exact name in RFC 8187 encoding. */
function disposition(path: string): string {
	const name = path.slice(path.lastIndexOf('/') + 1);
	const ascii = name.replace(/[^\u0020-\u007e]|["\\%]/g, '_');
	// encodeURIComponent leaves ' ( ) * ! unescaped; RFC 8187 allows none but '!'.
	const exact = encodeURIComponent(name).replace(
		/['()*]/g,
		(char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
	);
	return `inline; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

function fileRepresentation(target: GatewayTarget, entry: FileEntry): Representation {
	return {
		etag: `"${tag(target, entry.path)}"`,
		headers: {
			'Content-Type': contentTypeOf(entry.path),
			'Content-Disposition': disposition(entry.path),
			'Content-Security-Policy': CONTENT_SECURITY_POLICY,
			'Cache-Control': IMMUTABLE,
		},
	};
}

export async function routeContent(
	request: IncomingMessage,
	response: ServerResponse,
	options: ContentRouteOptions,
	controller: AbortController,
): Promise<void> {
	const target = parseTarget(request.url ?? '');
	if (isTargetProblem(target)) {
		sendText(response, target.status, target.message);
		return;
	}

	const {content} = options;
	const description = await withDeadline(
		content.description(target.link, controller.signal),
		options.descriptionTimeoutMs,
		'description',
		controller,
	);
	const serve = async (entry: FileEntry) =>
		sendBody(
			request,
			response,
			fileRepresentation(target, entry),
			entrySource(content, entry, controller.signal),
			controller,
			options.readTimeoutMs,
		);

	const {path} = target;
	const file = path === '' && description.kind === 'file' ? description.files[0] : undefined;
	const entry = file ?? (path === '' ? undefined : findFile(description, path));
	if (entry) {
		await serve(entry);
		return;
	}

	if (!isDirectory(description, path)) {
		sendText(response, 404, `${JSON.stringify(path)} is not in ${description.name}`);
		return;
	}

	if (!target.slash) {
		const location = targetUrl(target.linkText, path, true);
		response.writeHead(301, {Location: location, 'Cache-Control': IMMUTABLE});
		response.end();
		return;
	}

	const index = findFile(description, path === '' ? 'index.html' : `${path}/index.html`);
	if (index) {
		await serve(index);
		return;
	}

	await sendIndex(request, response, target, description, controller);
}

async function sendIndex(
	request: IncomingMessage,
	response: ServerResponse,
	target: GatewayTarget,
	description: FileDescription,
	controller: AbortController,
): Promise<void> {
	const {path} = target;
	const title = path === '' ? description.name : `${description.name}/${path}`;
	const page = Buffer.from(renderIndex(title, listDirectory(description, path), path === ''));
	const representation: Representation = {
		etag: `W/"${tag(target, path + '/')}-index${INDEX_VERSION}"`,
		headers: {
			'Content-Type': 'text/html; charset=utf-8',
			'Content-Security-Policy': CONTENT_SECURITY_POLICY,
			'Cache-Control': IMMUTABLE,
		},
	};
	const source = {
		size: page.length,
		async *pieces(start: number, end: number) {
			yield page.subarray(start, end);
		},
	};
	await sendBody(request, response, representation, source, controller, Number.POSITIVE_INFINITY);
}
