import {formatLink, LINK_SCHEME, type Link, tryParseLink} from '../chunks/link.js';
import {MAX_PATH_BYTES, relativePathProblem} from '../chunks/relative-path.js';

/**
 * The request target of a gateway URL, `/tornet/<link>[/<path>]`, decoded and normalised.
 * The link may be written with or without its `tornet:` prefix, and percent-encoded. The path is
 * decoded per segment (so `%2F` never becomes a separator), `.` and empty segments are dropped and
 * `..` removes the segment before it, but never climbs above the link: such a request is refused
 * rather than clamped, since no honest page produces it. What remains must be a path a file
 * description could hold (relative-path.ts), so no decoded byte reaches a lookup unchecked.
 *
 * Total: any string gives a target or a problem, never a throw.
 */
export const GATEWAY_PREFIX = '/tornet/';
/** A path at its longest, every byte percent-encoded, plus the link and the prefix. */
export const MAX_TARGET_CHARS = MAX_PATH_BYTES * 3 + 256;

export type GatewayTarget = {
	link: Link;
	/** The canonical link text (lower case, with its scheme), for redirects and ETags. */
	linkText: string;
	/** The path inside the description, '' for the link itself. */
	path: string;
	/** The URL ended in '/': a directory was asked for, and relative links resolve inside it. */
	slash: boolean;
};

export type TargetProblem = {status: 400 | 404; message: string};

function decode(segment: string): string | undefined {
	try {
		return decodeURIComponent(segment); // throws on a bad escape or invalid UTF-8
	} catch {
		return undefined;
	}
}

export function parseTarget(url: string): GatewayTarget | TargetProblem {
	if (typeof url !== 'string') return {status: 400, message: 'no request target'};
	if (url.length > MAX_TARGET_CHARS) return {status: 400, message: 'request target too long'};
	const end = url.search(/[?#]/);
	const pathname = end === -1 ? url : url.slice(0, end);
	if (!pathname.startsWith(GATEWAY_PREFIX))
		return {status: 404, message: `nothing here: content lives at ${GATEWAY_PREFIX}<link>`};
	const [rawLink, ...rawSegments] = pathname.slice(GATEWAY_PREFIX.length).split('/');
	const linkText = decode(rawLink);
	if (linkText === undefined || linkText === '') return {status: 400, message: 'missing link'};
	const link = tryParseLink(
		linkText.toLowerCase().startsWith(LINK_SCHEME) ? linkText : LINK_SCHEME + linkText,
	);
	if (!link) return {status: 400, message: 'not a tornet link'};
	const segments: string[] = [];
	for (const raw of rawSegments) {
		const segment = decode(raw);
		if (segment === undefined) return {status: 400, message: 'malformed percent-encoding'};
		if (segment.includes('/')) return {status: 400, message: 'an encoded "/" inside a name'};
		if (segment === '' || segment === '.') continue;
		if (segment === '..') {
			if (segments.length === 0) return {status: 400, message: 'path climbs above the link'};
			segments.pop();
			continue;
		}

		segments.push(segment);
	}

	const path = segments.join('/');
	if (path !== '') {
		const problem = relativePathProblem(path);
		if (problem) return {status: 400, message: `bad path: ${problem}`};
	}

	const last = rawSegments.at(-1);
	const slash =
		last !== undefined && (last === '' || decode(last) === '.' || decode(last) === '..');
	return {link, linkText: formatLink(link), path, slash};
}

export function isTargetProblem(value: GatewayTarget | TargetProblem): value is TargetProblem {
	return 'status' in value;
}

/** The URL path of a file or directory of a link (each segment percent-encoded). */
export function targetUrl(linkText: string, path: string, slash = false): string {
	const encoded = path === '' ? [] : path.split('/').map((segment) => encodeURIComponent(segment));
	const tail = encoded.join('/');
	return `${GATEWAY_PREFIX}${linkText}${tail === '' ? '' : '/' + tail}${slash ? '/' : ''}`;
}
