import test from 'ava';
import {parseCommand, resolvePeer, tokenize} from '../../source/ui/command-parse.js';
import {commandReducer, initialCommandState} from '../../source/ui/command-state.js';
import {hexId} from './memory-controller.js';

test('tokenize splits on spaces and honours quotes and backslashes', (t) => {
	t.deepEqual(tokenize('  publish   a.txt '), ['publish', 'a.txt']);
	t.deepEqual(tokenize(`publish "my file.txt"`), ['publish', 'my file.txt']);
	t.deepEqual(tokenize(`fetch tornet:x 'out dir/f'`), ['fetch', 'tornet:x', 'out dir/f']);
	t.deepEqual(tokenize(String.raw`publish my\ file`), ['publish', 'my file']);
	t.deepEqual(tokenize(`publish ""`), ['publish', '']);
	t.deepEqual(tokenize(`publish "unclosed`), {error: 'unclosed "'});
});

test('parseCommand: the three commands with their arguments', (t) => {
	t.deepEqual(parseCommand('publish /a/b'), {ok: true, command: {kind: 'publish', path: '/a/b'}});
	t.deepEqual(parseCommand('fetch tornet:abc'), {
		ok: true,
		command: {kind: 'fetch', link: 'tornet:abc', outputPath: null},
	});
	t.deepEqual(parseCommand('fetch tornet:abc ./out'), {
		ok: true,
		command: {kind: 'fetch', link: 'tornet:abc', outputPath: './out'},
	});
	t.deepEqual(parseCommand('settle A1B2'), {
		ok: true,
		command: {kind: 'settle', peer: 'a1b2', rail: null},
	});
	t.deepEqual(parseCommand('settle a1b2 bitcoin'), {
		ok: true,
		command: {kind: 'settle', peer: 'a1b2', rail: 'bitcoin'},
	});
	t.deepEqual(parseCommand('quit'), {ok: true, command: {kind: 'quit'}});
	t.deepEqual(parseCommand('help'), {ok: true, command: {kind: 'help'}});
});

test('parseCommand: wrong use says how to use it', (t) => {
	t.deepEqual(parseCommand('publish'), {ok: false, error: 'usage: publish <path>'});
	t.deepEqual(parseCommand('publish a b'), {ok: false, error: 'usage: publish <path>'});
	t.deepEqual(parseCommand('fetch'), {ok: false, error: 'usage: fetch <link> [path]'});
	t.deepEqual(parseCommand('fetch tornet:'), {
		ok: false,
		error: '"tornet:" is not a link (tornet:<id>)',
	});
	t.deepEqual(parseCommand('settle a1b2 paypal'), {
		ok: false,
		error: 'unknown rail "paypal" (cheque or bitcoin)',
	});
	t.deepEqual(parseCommand('rm -rf'), {ok: false, error: 'unknown command "rm" (try: help)'});
	t.false(parseCommand('').ok);
});

test('resolvePeer: a unique prefix of at least four hex digits', (t) => {
	const ids = [hexId('a1b2'), hexId('a1c3'), hexId('ffee')];
	t.deepEqual(resolvePeer('a1b2', ids), {ok: true, id: hexId('a1b2')});
	t.deepEqual(resolvePeer('ffee', ids), {ok: true, id: hexId('ffee')});
	t.deepEqual(resolvePeer('a1', ids), {
		ok: false,
		error: 'give at least 4 hex digits of the peer id',
	});
	t.deepEqual(resolvePeer('a1a1', ids), {ok: false, error: 'no peer a1a1'});
	t.deepEqual(resolvePeer('zzzz', ids), {ok: false, error: '"zzzz" is not hex'});
	const twins = [hexId('a1b2'), hexId('a1b2').slice(0, 39) + '0'];
	t.deepEqual(resolvePeer('a1b2', twins), {ok: false, error: 'a1b2 matches 2 peers'});
});

test('command line: typing, erasing, history recall, pasted newlines become spaces', (t) => {
	let state = initialCommandState;
	state = commandReducer(state, {type: 'insert', text: 'publish a'});
	state = commandReducer(state, {type: 'delete-char'});
	state = commandReducer(state, {type: 'insert', text: 'b\nc'});
	t.is(state.text, 'publish b c');
	state = commandReducer(state, {type: 'submit'});
	state = commandReducer(state, {type: 'insert', text: 'quit'});
	state = commandReducer(state, {type: 'submit'});
	t.deepEqual(state.history, ['publish b c', 'quit']);
	state = commandReducer(state, {type: 'recall-previous'});
	t.is(state.text, 'quit');
	state = commandReducer(state, {type: 'recall-previous'});
	state = commandReducer(state, {type: 'recall-previous'});
	t.is(state.text, 'publish b c');
	state = commandReducer(state, {type: 'recall-next'});
	t.is(state.text, 'quit');
	state = commandReducer(state, {type: 'recall-next'});
	t.is(state.text, '');
	t.is(state.recall, null);
	// The same command twice in a row is kept once.
	state = commandReducer(commandReducer(state, {type: 'insert', text: 'quit'}), {type: 'submit'});
	t.deepEqual(state.history, ['publish b c', 'quit']);
});

test('parseCommand: demo with an optional number of peers, within bounds', (t) => {
	t.deepEqual(parseCommand('demo'), {ok: true, command: {kind: 'demo', count: null}});
	t.deepEqual(parseCommand('demo 4'), {ok: true, command: {kind: 'demo', count: 4}});
	t.false(parseCommand('demo 0').ok);
	t.false(parseCommand('demo 17').ok);
	t.false(parseCommand('demo two').ok);
	t.false(parseCommand('demo 1 2').ok);
});
