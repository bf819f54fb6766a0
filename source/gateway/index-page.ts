import type {Listing} from './directory-listing.js';

/**
 * The HTML index of a directory without an index.html. Every name comes from a stranger, so
 * each is HTML-escaped in text and percent-encoded in links; links are relative (`./name`, so a
 * name such as `javascript:x` can never read as a scheme) and the page is served from a URL ending
 * in '/', where they resolve inside the directory.
 */
const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;',
};

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function units(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const names = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let index = 0;
	while (value >= 1024 && index < names.length - 1) {
		value /= 1024;
		index++;
	}

	return `${value.toFixed(1)} ${names[index]}`;
}

function baseName(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1);
}

export function renderIndex(title: string, listing: Listing, isRoot: boolean): string {
	const rows: string[] = [];
	if (!isRoot) rows.push('<li><a href="../">../</a></li>');
	for (const directory of listing.directories) {
		const href = `./${encodeURIComponent(directory)}/`;
		rows.push(`<li><a href="${escapeHtml(href)}">${escapeHtml(directory)}/</a></li>`);
	}

	for (const file of listing.files) {
		const name = baseName(file.path);
		const href = `./${encodeURIComponent(name)}`;
		rows.push(
			`<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a> <span>${units(file.size)}</span></li>`,
		);
	}

	return [
		'<!doctype html>',
		'<html><head><meta charset="utf-8">',
		'<meta name="referrer" content="no-referrer">',
		`<title>${escapeHtml(title)}</title>`,
		'<style>body{font-family:sans-serif;margin:2em}li{margin:.2em 0}span{color:#777}</style>',
		`</head><body><h1>${escapeHtml(title)}</h1><ul>`,
		...rows,
		'</ul></body></html>',
		'',
	].join('\n');
}
