import type {SettlementRail} from '../node/snapshot.js';

/** What the `:` command line understands. */
export type Command =
	| {kind: 'publish'; path: string}
	| {kind: 'fetch'; link: string; outputPath: string | null}
	| {kind: 'settle'; peer: string; rail: SettlementRail | null}
	| {kind: 'demo'; count: number | null}
	| {kind: 'help'}
	| {kind: 'quit'};

export type ParseResult = {ok: true; command: Command} | {ok: false; error: string};

export const COMMAND_USAGE: ReadonlyArray<{usage: string; description: string}> = [
	{usage: 'publish <path>', description: 'publish a file; shows its link when done'},
	{usage: 'fetch <link> [path]', description: 'fetch tornet:<id> into path (default: ./)'},
	{usage: 'settle <peer> [cheque|bitcoin]', description: 'settle credit with a peer (asks first)'},
	{usage: 'demo [n]', description: 'start n local demo peers (default 3) that publish and fetch'},
	{usage: 'help', description: 'this help'},
	{usage: 'quit', description: 'quit the console'},
];

const RAILS: readonly SettlementRail[] = ['cheque', 'bitcoin'];
const LINK_PREFIX = 'tornet:';
/** Shorter prefixes match too many peers to be what anyone means. */
export const MIN_PEER_PREFIX = 4;
/** The CLI's limit for --demo: each peer is a whole node process. */
export const MAX_DEMO_PEERS = 16;

/** Splits on spaces; '…' and "…" quote (paths with spaces), backslash escapes one character. */
export function tokenize(text: string): string[] | {error: string} {
	const tokens: string[] = [];
	let current = '';
	let inToken = false;
	let quote: string | null = null;
	for (let i = 0; i < text.length; i++) {
		const char = text[i];
		if (char === '\\' && i + 1 < text.length && quote !== "'") {
			current += text[++i];
			inToken = true;
		} else if (quote !== null) {
			if (char === quote) quote = null;
			else current += char;
		} else if (char === '"' || char === "'") {
			quote = char;
			inToken = true;
		} else if (char === ' ') {
			if (inToken) tokens.push(current);
			current = '';
			inToken = false;
		} else {
			current += char;
			inToken = true;
		}
	}

	if (quote !== null) return {error: `unclosed ${quote}`};
	if (inToken) tokens.push(current);
	return tokens;
}

export function parseCommand(text: string): ParseResult {
	const tokens = tokenize(text.trim());
	if (!Array.isArray(tokens)) return {ok: false, error: tokens.error};
	const [name, ...args] = tokens;
	switch (name) {
		case undefined: {
			return {ok: false, error: 'empty command (try: help)'};
		}

		case 'publish': {
			if (args.length !== 1) return usage('publish <path>');
			return {ok: true, command: {kind: 'publish', path: args[0]}};
		}

		case 'fetch': {
			if (args.length < 1 || args.length > 2) return usage('fetch <link> [path]');
			const [link, outputPath] = args;
			if (!link.startsWith(LINK_PREFIX) || link.length === LINK_PREFIX.length)
				return {ok: false, error: `${JSON.stringify(link)} is not a link (tornet:<id>)`};
			return {ok: true, command: {kind: 'fetch', link, outputPath: outputPath ?? null}};
		}

		case 'settle': {
			if (args.length < 1 || args.length > 2) return usage('settle <peer> [cheque|bitcoin]');
			const [peer, rail] = args;
			if (rail !== undefined && !RAILS.includes(rail as SettlementRail))
				return {ok: false, error: `unknown rail ${JSON.stringify(rail)} (cheque or bitcoin)`};
			return {
				ok: true,
				command: {kind: 'settle', peer: peer.toLowerCase(), rail: (rail as SettlementRail) ?? null},
			};
		}

		case 'demo': {
			if (args.length > 1) return usage('demo [n]');
			if (args.length === 0) return {ok: true, command: {kind: 'demo', count: null}};
			const count = Number(args[0]);
			if (!/^\d+$/.test(args[0]) || count < 1 || count > MAX_DEMO_PEERS)
				return {ok: false, error: `demo needs a number of peers from 1 to ${MAX_DEMO_PEERS}`};
			return {ok: true, command: {kind: 'demo', count}};
		}

		case 'help':
		case '?': {
			return {ok: true, command: {kind: 'help'}};
		}

		case 'quit':
		case 'q': {
			return {ok: true, command: {kind: 'quit'}};
		}

		default: {
			return {ok: false, error: `unknown command ${JSON.stringify(name)} (try: help)`};
		}
	}
}

/** The one full peer id that `prefix` names among `ids`, or why there is none. */
export function resolvePeer(
	prefix: string,
	ids: Iterable<string>,
): {ok: true; id: string} | {ok: false; error: string} {
	if (!/^[\da-f]+$/.test(prefix)) return {ok: false, error: `${JSON.stringify(prefix)} is not hex`};
	if (prefix.length < MIN_PEER_PREFIX)
		return {ok: false, error: `give at least ${MIN_PEER_PREFIX} hex digits of the peer id`};
	const matches = new Set<string>();
	for (const id of ids) if (id.startsWith(prefix)) matches.add(id);
	if (matches.size === 0) return {ok: false, error: `no peer ${prefix}`};
	if (matches.size > 1) return {ok: false, error: `${prefix} matches ${matches.size} peers`};
	const [id] = matches;
	return {ok: true, id};
}

function usage(text: string): ParseResult {
	return {ok: false, error: `usage: ${text}`};
}
