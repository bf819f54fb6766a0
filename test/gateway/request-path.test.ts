import test from 'ava';
import fc from 'fast-check';
import {formatLink} from '../../source/chunks/link.js';
import {relativePathProblem} from '../../source/chunks/relative-path.js';
import {
	isTargetProblem,
	MAX_TARGET_CHARS,
	parseTarget,
	targetUrl,
} from '../../source/gateway/request-path.js';

const LINK = formatLink({id: Buffer.alloc(20, 0xab), key: Buffer.alloc(32, 7)});
const BARE = LINK.slice('tornet:'.length);

function target(url: string) {
	const result = parseTarget(url);
	if (isTargetProblem(result)) throw new Error(`${url}: ${result.status} ${result.message}`);
	return {path: result.path, slash: result.slash, link: result.linkText};
}

function problem(url: string) {
	const result = parseTarget(url);
	return isTargetProblem(result) ? result.status : undefined;
}

test('a link alone, with or without its scheme, encoded or upper case', (t) => {
	const root = {path: '', slash: false, link: LINK};
	t.deepEqual(target(`/tornet/${LINK}`), root);
	t.deepEqual(target(`/tornet/${BARE}`), root);
	t.deepEqual(target(`/tornet/${LINK.replace(':', '%3A')}`), root);
	t.deepEqual(target(`/tornet/${LINK.toUpperCase()}`), root);
	t.deepEqual(target(`/tornet/${LINK}?download=1#top`), root);
	t.deepEqual(target(`/tornet/${LINK}/`), {...root, slash: true});
});

test('paths are decoded per segment and normalised', (t) => {
	t.is(target(`/tornet/${LINK}/a/b.txt`).path, 'a/b.txt');
	t.is(target(`/tornet/${LINK}/my%20file%C3%A9.txt`).path, 'my fileé.txt');
	t.is(target(`/tornet/${LINK}//a/./b//c`).path, 'a/b/c');
	t.is(target(`/tornet/${LINK}/a/../b`).path, 'b');
	t.is(target(`/tornet/${LINK}/a/%2e%2e/b`).path, 'b');
	t.deepEqual(target(`/tornet/${LINK}/a/..`), {path: '', slash: true, link: LINK});
	t.deepEqual(target(`/tornet/${LINK}/dir/`), {path: 'dir', slash: true, link: LINK});
	t.is(target(`/tornet/${LINK}/100%25.txt`).path, '100%.txt');
});

test('escapes above the link, bad encodings and bad names are 400', (t) => {
	t.is(problem(`/tornet/${LINK}/..`), 400);
	t.is(problem(`/tornet/${LINK}/../x`), 400);
	t.is(problem(`/tornet/${LINK}/a/../../x`), 400);
	t.is(problem(`/tornet/${LINK}/%2e%2e/x`), 400);
	t.is(problem(`/tornet/${LINK}/..%2f..%2fetc%2fpasswd`), 400);
	t.is(problem(`/tornet/${LINK}/a%2fb`), 400);
	t.is(problem(`/tornet/${LINK}/bad%zz`), 400);
	t.is(problem(`/tornet/${LINK}/bad%C3`), 400, 'invalid UTF-8');
	t.is(problem(`/tornet/${LINK}/nul%00`), 400);
	t.is(problem(`/tornet/${LINK}/back%5Cslash`), 400);
	t.is(problem(`/tornet/${LINK}/${'x'.repeat(300)}`), 400, 'segment longer than 255 bytes');
	t.is(problem(`/tornet/${LINK}/${'x/'.repeat(MAX_TARGET_CHARS)}`), 400, 'too long');
});

test('bad links are 400, other paths 404', (t) => {
	t.is(problem('/tornet/'), 400);
	t.is(problem('/tornet/tornet:1234'), 400);
	t.is(problem(`/tornet/${LINK}x`), 400);
	t.is(problem(`/tornet/${LINK.slice(0, -1)}`), 400);
	t.is(problem('/'), 404);
	t.is(problem('/favicon.ico'), 404);
	t.is(problem('/tornetx/abc'), 404);
	t.is(problem(''), 404);
});

test('targetUrl encodes each segment and parses back', (t) => {
	const path = 'dir with space/ünï/100%#?.txt';
	const url = targetUrl(LINK, path);
	t.is(url, `/tornet/${LINK}/dir%20with%20space/%C3%BCn%C3%AF/100%25%23%3F.txt`);
	t.deepEqual(target(url), {path, slash: false, link: LINK});
	t.is(targetUrl(LINK, '', true), `/tornet/${LINK}/`);
});

test('property: any string gives a target or a problem, never a throw', (t) => {
	const segment = fc.oneof(
		fc.string({maxLength: 12}),
		fc.constantFrom('..', '.', '', '%2e%2e', '%2F', '%', '%zz', '%C3', '%00', 'a%20b', '\\'),
	);
	const url = fc.oneof(
		fc.string({maxLength: 80}),
		fc.array(segment, {maxLength: 8}).map((parts) => `/tornet/${LINK}/${parts.join('/')}`),
		fc.array(segment, {maxLength: 8}).map((parts) => `/tornet/${parts.join('/')}`),
	);
	fc.assert(
		fc.property(url, (text) => {
			const result = parseTarget(text);
			if (isTargetProblem(result)) {
				t.true(result.status === 400 || result.status === 404);
				t.is(typeof result.message, 'string');
			} else {
				t.true(result.path === '' || relativePathProblem(result.path) === undefined, result.path);
				t.false(result.path.split('/').includes('..'));
			}
		}),
		{numRuns: 5000},
	);
});

test('property: every safe path survives targetUrl and parseTarget', (t) => {
	const name = fc
		.string({minLength: 1, maxLength: 20, unit: 'grapheme'})
		.filter((text) => relativePathProblem(text) === undefined);
	fc.assert(
		fc.property(fc.array(name, {minLength: 1, maxLength: 5}), (segments) => {
			const path = segments.join('/');
			t.is(target(targetUrl(LINK, path)).path, path);
		}),
		{numRuns: 2000},
	);
});
