import {formatLink, parseLink, tryParseLink} from '../../../source/chunks/link.js';
import {
	formatAddress,
	formatHostPort,
	parseAddress,
	parseHostPort,
} from '../../../source/identity/address.js';
import {
	LineSplitter,
	MAX_LINE_BYTES,
	parseReply,
	parseRequest,
} from '../../../source/node/control-protocol.js';
import {
	check,
	codecTarget,
	sameValue,
	text,
	type TargetSpec,
	tornetOrValue,
	utf8,
} from '../target.js';

/** Links, addresses and control lines: text from a user, a web page or a local socket. */
export const localTargets: TargetSpec[] = [
	codecTarget({
		name: 'link',
		about:
			'chunks/link parseLink (throws only TornetError) and tryParseLink; canonical form round trip',
		seeds: (random) =>
			Array.from({length: 8}, (_, i) => {
				const link = formatLink({id: random.bytes(20), key: random.bytes(32)});
				return utf8(i % 2 === 0 ? link : link.toUpperCase());
			}),
		decode(input) {
			const value = text(input);
			const parsed = tornetOrValue(() => parseLink(value));
			sameValue(tryParseLink(value), parsed, 'tryParseLink agrees with parseLink');
			if (parsed) check(formatLink(parsed) === value.toLowerCase(), 'a link has one spelling');
			return parsed;
		},
		encode: (link) => utf8(formatLink(link)),
		dictionary: ['tornet:', 'TORNET:', '.', '=', '0', 'a', '7', '8', '1'],
		maxBytes: 300,
	}),
	codecTarget({
		name: 'address',
		about:
			'identity/address parseAddress and parseHostPort (throw only TornetError): brackets, ports, hex keys',
		seeds: (random) =>
			['127.0.0.1:4000', '[::1]:1', 'example.org:65535', '[2001:db8::1]:443'].map((hostPort) =>
				utf8(`${random.bytes(32).toString('hex')}@${hostPort}`),
			),
		decode(input) {
			const value = text(input);
			const at = value.indexOf('@');
			const hostPort = tornetOrValue(() => parseHostPort(at === -1 ? value : value.slice(at + 1)));
			if (hostPort) {
				const again = tornetOrValue(() =>
					parseHostPort(formatHostPort(hostPort.host, hostPort.port)),
				);
				sameValue(again, hostPort, 'host:port round trip');
			}

			return tornetOrValue(() => parseAddress(value));
		},
		encode: (address) => utf8(formatAddress(address)),
		dictionary: ['@', ':', '[', ']', '::', '65536', '0', ':99999', '%eth0'],
		maxBytes: 300,
	}),
	codecTarget({
		name: 'control-request',
		about:
			'node/control-protocol parseRequest (one JSON line from the local socket) and parseReply',
		seeds: () =>
			[
				{id: 1, method: 'status'},
				{id: 2, method: 'publish', params: {path: '/tmp/x', name: 'x'}},
				{id: 9_007_199_254_740_991, method: 'fetch', params: {link: 'tornet:00', out: '.'}},
				{
					id: 4,
					method: 'settle',
					params: {peer: 'ab', amount: '100', rail: 'cheque', confirm: true},
				},
			].map((request) => utf8(JSON.stringify(request))),
		decode(input) {
			const line = text(input);
			parseReply(line);
			return parseRequest(line);
		},
		encode: (request) => utf8(JSON.stringify(request)),
		// JSON turns -0 into 0 and drops undefined: stable after one normalization.
		lossless: false,
		dictionary: [
			'{',
			'}',
			'[',
			']',
			'"',
			':',
			',',
			'null',
			'"params":',
			'"id":',
			'1e308',
			'-0',
			'"__proto__":',
			'\\u0000',
			'\n',
		],
		maxBytes: MAX_LINE_BYTES + 1024,
	}),
	{
		name: 'control-lines',
		about:
			'node/control-protocol LineSplitter: a byte stream cut at random points into bounded lines',
		weight: 0.3,
		create(random) {
			const seeds = [
				utf8('{"id":1,"method":"status"}\n{"id":2,"method":"peers"}\n'),
				utf8('\n\n  \n{"id":3,"method":"stop"}'),
				utf8(`${'x'.repeat(MAX_LINE_BYTES - 1)}\n{"id":4}\n`),
			];
			return {
				seeds,
				dictionary: [utf8('\n'), utf8('\r\n'), utf8(' '), utf8('{"id":5,"method":"status"}')],
				maxBytes: MAX_LINE_BYTES + 4096,
				run(input) {
					const stream = text(input);
					const splitter = new LineSplitter();
					const lines: string[] = [];
					let withinBound = true;
					for (let offset = 0; offset < stream.length && withinBound;) {
						const end = offset + random.between(1, 4096);
						withinBound = splitter.push(stream.slice(offset, end), (line) => {
							lines.push(line);
							parseRequest(line);
						});
						offset = end;
					}

					if (!withinBound) {
						// The server hangs up: the pending text outgrew the bound.
						check(
							lines.every((line) => line.length <= stream.length),
							'line longer than the stream',
						);
						return;
					}

					const parts = stream.split('\n');
					parts.pop(); // The unterminated tail stays buffered.
					sameValue(
						lines,
						parts.filter((line) => line.trim()),
						'lines',
					);
				},
			};
		},
	},
];
