import {formatLink} from '../../../source/chunks/link.js';
import {parseRange} from '../../../source/gateway/byte-range.js';
import {
	type GatewayTarget,
	isTargetProblem,
	parseTarget,
	targetUrl,
} from '../../../source/gateway/request-path.js';
import {check, codecTarget, show, type TargetSpec, text, utf8} from '../target.js';

/** File sizes the Range target is checked against: empty, tiny, a chunk edge, huge. */
const SIZES = [0, 1, 1000, 1 << 20, (1 << 20) + 1, 2 ** 40];

/** The gateway's parsers of what a browser (or a hostile page) sends: request targets and Range. */
export const gatewayTargets: TargetSpec[] = [
	codecTarget<GatewayTarget>({
		name: 'gateway-target',
		about:
			'gateway/request-path parseTarget: total; a target re-encoded with targetUrl parses to the same link and path',
		seeds: (random) =>
			Array.from({length: 6}, (_, i) => {
				const link = formatLink({id: random.bytes(20), key: random.bytes(32)});
				const paths = ['', '/index.html', '/a%20b/c.txt', '/x/../y', '/%E2%82%AC.pdf', '/'];
				return utf8(`/tornet/${i % 2 ? link.slice('tornet:'.length) : link}${paths[i]}`);
			}),
		decode(input) {
			const parsed = parseTarget(text(input));
			return isTargetProblem(parsed) ? undefined : parsed;
		},
		check(target) {
			const again = parseTarget(targetUrl(target.linkText, target.path, target.slash));
			check(!isTargetProblem(again), () => `re-encoded target refused: ${show(target)}`);
			check(
				again.linkText === target.linkText &&
					again.path === target.path &&
					again.slash === target.slash,
				() => `re-encoded target differs: ${show(target)} → ${show(again)}`,
			);
		},
		dictionary: ['/tornet/', 'tornet:', '%2F', '%2E', '..', '/', '%', '%00', '?', '#', '\\'],
		maxBytes: 600,
	}),
	codecTarget<true>({
		name: 'gateway-range',
		about:
			'gateway/byte-range parseRange: total; a partial range is non-empty and inside the file, for several sizes',
		seeds: () =>
			['bytes=0-0', 'bytes=5-', 'bytes=-10', 'bytes=0-99,200-299', 'BYTES = 1-2', 'items=1-2'].map(
				(header) => utf8(header),
			),
		decode(input) {
			const header = text(input);
			for (const size of SIZES) {
				const range = parseRange(header, size);
				if (range.kind === 'partial') {
					check(
						Number.isSafeInteger(range.start) &&
							Number.isSafeInteger(range.end) &&
							range.start >= 0 &&
							range.start < range.end &&
							range.end <= size,
						() => `bad range ${show(range)} of ${size} bytes for ${JSON.stringify(header)}`,
					);
				}
			}

			return true;
		},
		dictionary: ['bytes=', '-', ',', ' ', '0', '9', '18446744073709551616', '00000'],
		maxBytes: 1100,
	}),
];
