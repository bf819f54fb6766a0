import {memo, useMemo} from 'react';
import type {NodeSeries, PeerStats, SelfInfo} from '../node/snapshot.js';
import {formatDuration, formatRate, shortHex} from './format.js';
import type {Line, Segment} from './text-line.js';
import {useClock} from './use-clock.js';
import {Lines} from './Lines.js';

type Props = {
	self: SelfInfo;
	peers: readonly PeerStats[];
	series: NodeSeries;
	paused: boolean;
	/** When the shown snapshot arrived; the header warns when the node stops sending. */
	receivedAtMs: number;
	width: number;
};

/** Snapshots come at 1 Hz; three missed ones mean the node is stuck or gone. */
const STALE_AFTER_MS = 3500;

export const Header = memo(function Header(props: Props) {
	const {self, peers, series, paused, receivedAtMs, width} = props;
	const connected = useMemo(
		() => peers.filter((peer) => peer.state === 'connected').length,
		[peers],
	);
	// 0 while snapshots arrive, so the clock's ticks re-render the header only once it is stale.
	const staleSeconds = useClock((now) =>
		now - receivedAtMs > STALE_AFTER_MS ? Math.floor((now - receivedAtMs) / 1000) : 0,
	);
	const lines = useMemo((): Line[] => {
		const segments: Segment[] = [
			{text: ' tornet ', bold: true, inverse: true},
			{text: ` ${shortHex(self.idHex)}`, bold: true},
			{text: ` rank ${self.rank} :${self.port} up ${formatDuration(self.uptimeSeconds)}`},
			{text: ' │ ', tone: 'muted'},
			{text: `${connected}/${peers.length} peers`},
			{text: ' │ ', tone: 'muted'},
			{text: `↑${formatRate(series.upBps.at(-1) ?? 0)}`, tone: 'up'},
			{text: ' '},
			{text: `↓${formatRate(series.downBps.at(-1) ?? 0)}`, tone: 'down'},
		];
		if (paused) segments.push({text: '  PAUSED (p resumes)', tone: 'warn', bold: true});
		else if (staleSeconds > 0)
			segments.push({
				text: `  no update for ${formatDuration(staleSeconds)}`,
				tone: 'bad',
				bold: true,
			});
		return [segments];
	}, [self, connected, peers.length, series, paused, staleSeconds]);
	return <Lines lines={lines} width={width} height={1} />;
});
