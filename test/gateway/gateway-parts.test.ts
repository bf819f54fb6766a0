import test from 'ava';
import type {FileDescription} from '../../source/chunks/file-description.js';
import type {Link} from '../../source/chunks/link.js';
import {contentTypeOf, DEFAULT_CONTENT_TYPE} from '../../source/gateway/content-types.js';
import {cachedContent} from '../../source/gateway/description-cache.js';
import {listDirectory} from '../../source/gateway/directory-listing.js';
import type {GatewayContent} from '../../source/gateway/gateway-content.js';
import {noneMatch} from '../../source/gateway/file-response.js';
import {escapeHtml} from '../../source/gateway/index-page.js';

test('content types: a small table, text as UTF-8, octet-stream otherwise', (t) => {
	t.is(contentTypeOf('index.html'), 'text/html; charset=utf-8');
	t.is(contentTypeOf('dir/PAGE.HTM'), 'text/html; charset=utf-8');
	t.is(contentTypeOf('a/b/app.js'), 'text/javascript; charset=utf-8');
	t.is(contentTypeOf('data.json'), 'application/json; charset=utf-8');
	t.is(contentTypeOf('logo.svg'), 'image/svg+xml; charset=utf-8');
	t.is(contentTypeOf('photo.jpeg'), 'image/jpeg');
	t.is(contentTypeOf('font.woff2'), 'font/woff2');
	t.is(contentTypeOf('archive.tar.gz'), 'application/gzip');
	for (const path of ['README', '.html', 'x.exe', 'dir.html/file', 'a.', 'x.constructor'])
		t.is(contentTypeOf(path), DEFAULT_CONTENT_TYPE, path);
});

test('If-None-Match: weak comparison, lists and *', (t) => {
	t.true(noneMatch('"a"', '"a"'));
	t.true(noneMatch('W/"a"', '"a"'));
	t.true(noneMatch(' "b" , "a" ', '"a"'));
	t.true(noneMatch('*', '"a"'));
	t.false(noneMatch('"b"', '"a"'));
	t.false(noneMatch(undefined, '"a"'));
	t.false(noneMatch('', '"a"'));
});

test('HTML escaping covers the five special characters', (t) => {
	t.is(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('a directory listing shows immediate children only', (t) => {
	const entry = (path: string) => ({path, size: 0, chunks: []});
	const description: FileDescription = {
		kind: 'directory',
		name: 'd',
		files: ['z.txt', 'a/x.txt', 'a/b/y.txt', 'ab.txt', 'c/d/e.txt'].map(entry),
	};
	const root = listDirectory(description, '');
	t.deepEqual(root.directories, ['a', 'c']);
	t.deepEqual(
		root.files.map((file) => file.path),
		['ab.txt', 'z.txt'],
	);
	const a = listDirectory(description, 'a');
	t.deepEqual(a.directories, ['b']);
	t.deepEqual(
		a.files.map((file) => file.path),
		['a/x.txt'],
	);
});

test('the description cache keeps recent descriptions, keyed by id and key, bounded', async (t) => {
	const loads: string[] = [];
	const inner: GatewayContent = {
		async description(link) {
			loads.push(link.key.toString('hex').slice(0, 2));
			return {kind: 'file', name: 'f', files: [{path: 'f', size: 0, chunks: []}]};
		},
		async *read() {},
	};
	const content = cachedContent(inner, {entries: 2});
	const signal = new AbortController().signal;
	const link = (key: number): Link => ({id: Buffer.alloc(20, 1), key: Buffer.alloc(32, key)});
	await content.description(link(1), signal);
	await content.description(link(1), signal);
	t.deepEqual(loads, ['01'], 'a hit');
	await content.description(link(2), signal);
	t.deepEqual(loads, ['01', '02'], 'same id, another key: not the cached one');
	await content.description(link(1), signal); // 1 is now the most recent
	await content.description(link(3), signal); // evicts 2
	await content.description(link(1), signal);
	t.deepEqual(loads, ['01', '02', '03']);
	await content.description(link(2), signal);
	t.deepEqual(loads, ['01', '02', '03', '02']);
});
