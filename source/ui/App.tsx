import {useCallback, useEffect, useMemo, useRef, useState, type ReactNode} from 'react';
import {Box, useInput, type Key} from 'ink';
import type {NodeController} from '../node/controller.js';
import type {Snapshot} from '../node/snapshot.js';
import type {ConsoleDemo} from './console-demo.js';
import {appReducer, initialAppState} from './app-state.js';
import {chartsReducer, initialChartsState} from './charts-state.js';
import {chunksReducer, initialChunksState} from './chunks-state.js';
import {commandReducer, initialCommandState} from './command-state.js';
import {creditReducer, initialCreditState, sortCredit} from './credit-state.js';
import {computeLayout, type PaneBox} from './layout.js';
import {effectiveSelection} from './list-selection.js';
import {initialPeersState, peersReducer, selectVisiblePeers} from './peers-state.js';
import {initialSettingsState, settingsReducer} from './settings-state.js';
import {ColorContext} from './theme.js';
import {createPeerHistory, peerSeries, recordPeers} from './peer-history.js';
import {routeKey} from './route-key.js';
import {useActions} from './use-actions.js';
import {useStore} from './use-store.js';
import {ClockContext, createClock} from './use-clock.js';
import {useTerminalSize} from './use-terminal-size.js';
import {ChartsPane} from './ChartsPane.js';
import {ChunksPane} from './ChunksPane.js';
import {CommandLine} from './CommandLine.js';
import {CreditPane} from './CreditPane.js';
import {Footer} from './Footer.js';
import {Header} from './Header.js';
import {HelpOverlay} from './HelpOverlay.js';
import {JobsBar} from './JobsBar.js';
import {Lines} from './Lines.js';
import {PeersPane} from './PeersPane.js';
import {SettingsPane} from './SettingsPane.js';
import {StatusLine} from './StatusLine.js';
import {TabBar} from './TabBar.js';

export type AppProps = {
	controller: NodeController;
	/** Called when the operator quits (q or :quit); the owner unmounts and stops what it must. */
	onExit: () => void;
	/** False for NO_COLOR / --no-color: no colour codes at all (bold and inverse remain). */
	color?: boolean;
	/** The local demo network, which the console offers on first run and starts on `:demo`. */
	demo?: ConsoleDemo;
};

export function App({controller, onExit, color = true, demo}: AppProps) {
	return (
		<ColorContext.Provider value={color}>
			<ClockProvider>
				<Console controller={controller} onExit={onExit} demo={demo} />
			</ClockProvider>
		</ColorContext.Provider>
	);
}

/** Owns the one clock for the console's lifetime. */
function ClockProvider({children}: {children: ReactNode}) {
	const [clock] = useState(() => createClock());
	return <ClockContext.Provider value={clock}>{children}</ClockContext.Provider>;
}

function Console({
	controller,
	onExit,
	demo,
}: {
	controller: NodeController;
	onExit: () => void;
	demo: ConsoleDemo | undefined;
}) {
	const size = useTerminalSize();
	const sizeRef = useRef(size);
	sizeRef.current = size;
	const [app, dispatch, appRef] = useStore(appReducer, () =>
		initialAppState(controller.getSnapshot()),
	);
	const [peers, dispatchPeers, peersRef] = useStore(peersReducer, () => initialPeersState);
	const [charts, dispatchCharts] = useStore(chartsReducer, () => initialChartsState);
	const [chunks, dispatchChunks] = useStore(chunksReducer, () => initialChunksState);
	const [credit, dispatchCredit, creditRef] = useStore(creditReducer, () => initialCreditState);
	const [settings, dispatchSettings, settingsRef] = useStore(
		settingsReducer,
		() => initialSettingsState,
	);
	const [command, dispatchCommand, commandRef] = useStore(
		commandReducer,
		() => initialCommandState,
	);
	const getSnapshot = useCallback(() => appRef.current.snapshot, [appRef]);
	const [history] = useState(() => {
		const created = createPeerHistory();
		recordPeers(created, appRef.current.snapshot.peers);
		return created;
	});
	// Per-peer samples are recorded as snapshots arrive (not in the reducer: the ring buffers
	// are overwritten in place), so the Charts pane can draw whichever peer gets selected.
	const receive = useCallback(
		(next: Snapshot) => {
			const {paused, snapshot: shown} = appRef.current;
			if (paused || next === shown) return;
			if (next.takenAtMs !== shown.takenAtMs) recordPeers(history, next.peers);
			dispatch({type: 'receive-snapshot', snapshot: next, nowMs: Date.now()});
		},
		[appRef, dispatch, history],
	);
	const actions = useActions(controller, dispatch, getSnapshot, receive, onExit, demo);
	const {snapshot} = app;
	const {columns, rows} = size;

	useEffect(() => controller.subscribe(receive), [controller, receive]);
	const offered = useRef(false);
	useEffect(() => {
		if (demo === undefined) return;
		const unsubscribe = demo.subscribe((text) => {
			actions.showStatus({tone: 'info', text});
		});
		// First run, alone on the network: offer what makes every pane come alive (once).
		if (demo.offer && !offered.current) {
			offered.current = true;
			dispatch({
				type: 'ask-confirm',
				confirm: {
					kind: 'demo',
					count: demo.defaultCount,
					prompt: `No --bootstrap: start a demo network of ${demo.defaultCount} local peers?`,
				},
			});
		}

		return unsubscribe;
	}, [demo, actions, dispatch]);

	const visiblePeers = useMemo(
		() => selectVisiblePeers(snapshot.peers, peers),
		[snapshot.peers, peers],
	);
	const selectedPeerId = useMemo(
		() =>
			effectiveSelection(
				peers.selectedId,
				visiblePeers.map((peer) => peer.idHex),
			),
		[peers.selectedId, visiblePeers],
	);
	// Copied out of the ring only for the selected peer, once per snapshot or selection.
	const selectedPeerSeries = useMemo(
		() => (selectedPeerId === null ? null : peerSeries(history, selectedPeerId)),
		[history, selectedPeerId, snapshot],
	);
	const creditRows = useMemo(() => sortCredit(snapshot.credit), [snapshot.credit]);
	const selectedCreditId = useMemo(
		() =>
			effectiveSelection(
				credit.selectedId,
				creditRows.map((entry) => entry.peerIdHex),
			),
		[credit.selectedId, creditRows],
	);
	const layout = computeLayout(columns, rows, app.focus, snapshot.jobs.length);

	// One handler routes every key, reading the stores' current state (not the last render's):
	// see use-store.ts for why.
	const onKey = useCallback(
		(input: string, key: Key) => {
			routeKey(input, key, {
				size: sizeRef.current,
				app: appRef.current,
				peers: peersRef.current,
				credit: creditRef.current,
				settings: settingsRef.current,
				command: commandRef.current,
				dispatch,
				dispatchPeers,
				dispatchCharts,
				dispatchChunks,
				dispatchCredit,
				dispatchSettings,
				dispatchCommand,
				actions,
				onExit,
			});
		},
		// Stores' dispatchers and refs never change; listed for the linter's sake.
		[
			actions,
			onExit,
			appRef,
			peersRef,
			creditRef,
			settingsRef,
			commandRef,
			dispatch,
			dispatchPeers,
			dispatchCharts,
			dispatchChunks,
			dispatchCredit,
			dispatchSettings,
			dispatchCommand,
		],
	);
	useInput(onKey);

	if (layout.kind === 'too-small')
		return (
			<Box width={columns} height={layout.height}>
				<Lines
					lines={[
						`terminal too small: ${columns}×${rows}`,
						'the console needs at least 80×24; q quits',
					]}
					width={columns}
					height={Math.min(2, layout.height)}
				/>
			</Box>
		);

	const renderPane = (box: PaneBox, bordered: boolean) => {
		const common = {
			width: box.width,
			height: box.height,
			bordered,
			focused: app.focus === box.pane,
		};
		switch (box.pane) {
			case 'peers': {
				return (
					<PeersPane
						key="peers"
						{...common}
						peers={visiblePeers}
						totalPeers={snapshot.peers.length}
						state={peers}
						selectedId={selectedPeerId}
					/>
				);
			}

			case 'charts': {
				return (
					<ChartsPane
						key="charts"
						{...common}
						series={snapshot.series}
						peerSeries={selectedPeerSeries}
						peerId={selectedPeerId}
						state={charts}
					/>
				);
			}

			case 'chunks': {
				return (
					<ChunksPane
						key="chunks"
						{...common}
						chunks={snapshot.chunks}
						store={snapshot.store}
						state={chunks}
					/>
				);
			}

			case 'credit': {
				return (
					<CreditPane key="credit" {...common} rows={creditRows} selectedId={selectedCreditId} />
				);
			}

			case 'settings': {
				return (
					<SettingsPane key="settings" {...common} settings={snapshot.settings} state={settings} />
				);
			}
		}
	};

	let body: ReactNode;
	if (layout.kind === 'tabs') {
		body =
			app.mode === 'help' ? (
				<HelpOverlay width={layout.width} height={layout.body.height} />
			) : (
				renderPane(layout.body, false)
			);
	} else {
		const bodyHeight = layout.columns[0].rows.reduce((sum, row) => sum + row.height, 0);
		body =
			app.mode === 'help' ? (
				<HelpOverlay width={layout.width} height={bodyHeight} />
			) : (
				<Box flexDirection="row" height={bodyHeight}>
					{layout.columns.map((column, index) => (
						<Box key={index} flexDirection="column" width={column.width}>
							{column.rows.map((row, rowIndex) => (
								<Box key={rowIndex} flexDirection="row" height={row.height}>
									{row.panes.map((box) => renderPane(box, true))}
								</Box>
							))}
						</Box>
					))}
				</Box>
			);
	}

	return (
		<Box flexDirection="column" width={layout.width} height={layout.height}>
			<Header
				self={snapshot.self}
				peers={snapshot.peers}
				series={snapshot.series}
				paused={app.paused}
				receivedAtMs={app.receivedAtMs}
				width={layout.width}
			/>
			{layout.kind === 'tabs' ? <TabBar focus={app.focus} width={layout.width} /> : null}
			{body}
			{layout.jobRows > 0 ? (
				<JobsBar jobs={snapshot.jobs} width={layout.width} rows={layout.jobRows} />
			) : null}
			{app.mode === 'command' ? (
				<CommandLine state={command} width={layout.width} />
			) : (
				<StatusLine status={app.status} confirm={app.confirm} width={layout.width} />
			)}
			<Footer
				focus={app.focus}
				mode={app.mode}
				editingFilter={peers.editingFilter}
				width={layout.width}
			/>
		</Box>
	);
}
