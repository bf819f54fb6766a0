import test, {type ExecutionContext} from 'ava';
import {storeContent} from '../../source/gateway/gateway-content.js';
import {openTestStore, patternBytes} from '../chunks/store-fixture.js';
import {publishTree, raw, testGateway} from './gateway-fixture.js';

const SITE = {
	'index.html': '<!doctype html><title>home</title><link rel="stylesheet" href="style.css">',
	'style.css': 'body { color: teal }',
	'sub dir/ü file.txt': 'unicode name',
	'100%.txt': 'percent',
	'docs/index.html': '<p>docs</p>',
	'docs/guide.md': '# guide',
	'data/blob': patternBytes(70_000, 3),
};

const FILES = {
	'a.txt': 'aaa',
	'b/c.json': '{"c":1}',
	'<img src=x onerror="alert(1)">.txt': 'hostile name',
};

async function setup(t: ExecutionContext) {
	const {store} = await openTestStore(t);
	const site = await publishTree(t, store, 'site', SITE);
	const files = await publishTree(t, store, 'files', FILES);
	const gateway = await testGateway(t, {content: storeContent(store)});
	return {gateway, site, files};
}

async function text(response: Response) {
	return Buffer.from(await response.arrayBuffer()).toString();
}

test('a directory link redirects to its slash form, which serves index.html', async (t) => {
	const {gateway, site} = await setup(t);
	const redirect = await fetch(`${gateway.url}/tornet/${site}`, {redirect: 'manual'});
	t.is(redirect.status, 301);
	t.is(redirect.headers.get('location'), `/tornet/${site}/`);
	const page = await fetch(`${gateway.url}/tornet/${site}`); // follows the redirect
	t.is(page.status, 200);
	t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
	t.regex(page.headers.get('content-security-policy') ?? '', /sandbox/);
	t.is(await text(page), SITE['index.html']);
});

test('files inside a directory, with their types; relative links resolve', async (t) => {
	const {gateway, site} = await setup(t);
	const base = `${gateway.url}/tornet/${site}/`;
	const css = await fetch(new URL('style.css', base));
	t.is(css.headers.get('content-type'), 'text/css; charset=utf-8');
	t.is(await text(css), SITE['style.css']);
	const blob = await fetch(new URL('data/blob', base));
	t.is(blob.headers.get('content-type'), 'application/octet-stream');
	t.true(Buffer.from(await blob.arrayBuffer()).equals(SITE['data/blob']));
	const docs = await fetch(new URL('docs', base));
	t.is(docs.url, new URL('docs/', base).href, 'redirected to the slash form');
	t.is(await text(docs), SITE['docs/index.html']);
	const guide = await fetch(new URL('docs/guide.md', base));
	t.is(guide.headers.get('content-type'), 'text/markdown; charset=utf-8');
});

test('percent-encoded names', async (t) => {
	const {gateway, site} = await setup(t);
	const base = `${gateway.url}/tornet/${site}`;
	const unicode = await fetch(`${base}/sub%20dir/%C3%BC%20file.txt`);
	t.is(unicode.status, 200);
	t.is(await text(unicode), 'unicode name');
	t.regex(unicode.headers.get('content-disposition') ?? '', /filename\*=UTF-8''%C3%BC%20file\.txt/);
	const percent = await fetch(`${base}/100%25.txt`);
	t.is(await text(percent), 'percent');
	const encodedLink = await fetch(`${gateway.url}/tornet/${site.replace(':', '%3a')}/100%25.txt`);
	t.is(await text(encodedLink), 'percent');
});

test('.. stays inside the link: normalised within, refused above', async (t) => {
	const {gateway, site, files} = await setup(t);
	const inside = await raw(gateway, `/tornet/${site}/docs/../style.css`);
	t.is(inside.status, 200);
	t.is(inside.body.toString(), SITE['style.css']);
	for (const path of [
		`/tornet/${site}/..`,
		`/tornet/${site}/../${files}/a.txt`,
		`/tornet/${site}/%2e%2e/${files}/a.txt`,
		`/tornet/${site}/docs/../../etc/passwd`,
		`/tornet/${site}/..%2F..%2Fetc%2Fpasswd`,
		`/tornet/${site}/..\\..\\etc\\passwd`,
	]) {
		const response = await raw(gateway, path);
		t.is(response.status, 400, path);
		t.is(response.headers['content-type'], 'text/plain; charset=utf-8');
	}
});

test('a generated index lists names escaped and links them relatively', async (t) => {
	const {gateway, files} = await setup(t);
	const response = await fetch(`${gateway.url}/tornet/${files}/`);
	t.is(response.status, 200);
	t.is(response.headers.get('content-type'), 'text/html; charset=utf-8');
	t.regex(response.headers.get('etag') ?? '', /^W\//);
	t.regex(response.headers.get('content-security-policy') ?? '', /sandbox/);
	const html = await text(response);
	t.false(html.includes('<img'), 'a hostile name is escaped');
	t.true(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.txt'));
	const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);
	t.deepEqual(hrefs, [
		'./b/',
		'./%3Cimg%20src%3Dx%20onerror%3D%22alert(1)%22%3E.txt', // '<' sorts before 'a'
		'./a.txt',
	]);
	for (const href of hrefs) {
		const linked = await fetch(new URL(href, response.url));
		t.is(linked.status, 200, href);
		await linked.arrayBuffer();
	}

	const sub = await text(await fetch(new URL('./b/', response.url)));
	t.true(sub.includes('href="../"') && sub.includes('href="./c.json"'));
});

test('unknown paths are 404, bad links 400', async (t) => {
	const {gateway, site} = await setup(t);
	t.is((await raw(gateway, `/tornet/${site}/nope.txt`)).status, 404);
	t.is((await raw(gateway, `/tornet/${site}/docs/nope/`)).status, 404);
	t.is((await raw(gateway, `/tornet/${site}/style.css/more`)).status, 404);
	t.is((await raw(gateway, '/')).status, 404);
	t.is((await raw(gateway, '/tornet/not-a-link')).status, 400);
	t.is((await raw(gateway, `/tornet/${site.slice(0, -2)}`)).status, 400);
	const unknown = `tornet:${'00'.repeat(20)}.${'a'.repeat(52)}`;
	const missing = await raw(gateway, `/tornet/${unknown}`);
	t.is(missing.status, 404, 'content the store does not hold');
	t.regex(missing.body.toString(), /^404 Not Found: NOT_FOUND/);
});
