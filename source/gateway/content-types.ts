/**
 * Content-Type by file extension. The table is small on purpose: a browser needs the right type
 * for pages, styles, scripts, images, fonts and media; anything else is served as opaque bytes
 * (with nosniff, so a browser never guesses a dangerous type from what the bytes look like).
 */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const UTF8 = '; charset=utf-8';

/** Types that are text: published text is read as UTF-8 rather than left to the browser's guess. */
const TEXT_TYPES = new Set([
	'application/json',
	'application/manifest+json',
	'application/xml',
	'application/xhtml+xml',
	'image/svg+xml',
]);

const TYPES: ReadonlyMap<string, string> = new Map([
	['html', 'text/html'],
	['htm', 'text/html'],
	['xhtml', 'application/xhtml+xml'],
	['css', 'text/css'],
	['js', 'text/javascript'],
	['mjs', 'text/javascript'],
	['json', 'application/json'],
	['map', 'application/json'],
	['webmanifest', 'application/manifest+json'],
	['xml', 'application/xml'],
	['txt', 'text/plain'],
	['text', 'text/plain'],
	['md', 'text/markdown'],
	['csv', 'text/csv'],
	['vtt', 'text/vtt'],
	['svg', 'image/svg+xml'],
	['png', 'image/png'],
	['jpg', 'image/jpeg'],
	['jpeg', 'image/jpeg'],
	['gif', 'image/gif'],
	['webp', 'image/webp'],
	['avif', 'image/avif'],
	['ico', 'image/x-icon'],
	['bmp', 'image/bmp'],
	['woff', 'font/woff'],
	['woff2', 'font/woff2'],
	['ttf', 'font/ttf'],
	['otf', 'font/otf'],
	['mp3', 'audio/mpeg'],
	['m4a', 'audio/mp4'],
	['oga', 'audio/ogg'],
	['ogg', 'audio/ogg'],
	['opus', 'audio/ogg'],
	['wav', 'audio/wav'],
	['flac', 'audio/flac'],
	['mp4', 'video/mp4'],
	['m4v', 'video/mp4'],
	['webm', 'video/webm'],
	['ogv', 'video/ogg'],
	['pdf', 'application/pdf'],
	['wasm', 'application/wasm'],
	['zip', 'application/zip'],
	['gz', 'application/gzip'],
	['tar', 'application/x-tar'],
]);

/** The Content-Type header for a file path (only its last extension counts, case-insensitive). */
export function contentTypeOf(path: string): string {
	const name = path.slice(path.lastIndexOf('/') + 1);
	const dot = name.lastIndexOf('.');
	if (dot <= 0) return DEFAULT_CONTENT_TYPE; // no extension, or a dot file such as '.htaccess'
	const type = TYPES.get(name.slice(dot + 1).toLowerCase());
	if (type === undefined) return DEFAULT_CONTENT_TYPE;
	return type.startsWith('text/') || TEXT_TYPES.has(type) ? type + UTF8 : type;
}
