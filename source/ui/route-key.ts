import type {Key} from 'ink';
import type {AppAction, AppState} from './app-state.js';
import type {ChartsAction} from './charts-state.js';
import type {ChunksAction} from './chunks-state.js';
import type {CommandAction, CommandState} from './command-state.js';
import {sortCredit, type CreditAction, type CreditState} from './credit-state.js';
import {innerSize} from './Frame.js';
import {computeLayout, type Layout, type PaneId} from './layout.js';
import {effectiveSelection} from './list-selection.js';
import {selectVisiblePeers, type PeersAction, type PeersState} from './peers-state.js';
import type {SettingsAction, SettingsState} from './settings-state.js';
import type {useActions} from './use-actions.js';
import type {TerminalSize} from './use-terminal-size.js';
import {chartsKeys} from './ChartsPane.js';
import {chunksKeys} from './ChunksPane.js';
import {commandKeys} from './CommandLine.js';
import {creditKeys} from './CreditPane.js';
import {peersKeys} from './PeersPane.js';
import {settingsKeys} from './SettingsPane.js';

/** The console's state as of the last dispatch, and the ways to change it. */
export type KeyContext = {
	size: TerminalSize;
	app: AppState;
	peers: PeersState;
	credit: CreditState;
	settings: SettingsState;
	command: CommandState;
	dispatch: (action: AppAction) => void;
	dispatchPeers: (action: PeersAction) => void;
	dispatchCharts: (action: ChartsAction) => void;
	dispatchChunks: (action: ChunksAction) => void;
	dispatchCredit: (action: CreditAction) => void;
	dispatchSettings: (action: SettingsAction) => void;
	dispatchCommand: (action: CommandAction) => void;
	actions: ReturnType<typeof useActions>;
	onExit: () => void;
};

/**
 * Where a key goes: an open help overlay, confirmation or command line takes every key; then
 * the Peers filter while it is being typed; then the global keys (Tab, :, ?, p, q); then the
 * focused pane.
 */
export function routeKey(input: string, key: Key, context: KeyContext): void {
	const {app, dispatch, dispatchCommand, actions, onExit} = context;
	const {mode, focus, confirm, paused, snapshot} = app;
	if (mode === 'help') {
		dispatch({type: 'toggle-help'});
		return;
	}

	if (mode === 'confirm') {
		if (confirm) actions.answerConfirm(confirm, input);
		return;
	}

	if (mode === 'command') {
		commandKeys(input, key, {
			state: context.command,
			dispatch: dispatchCommand,
			onSubmit: actions.submitCommand,
			onCancel() {
				dispatch({type: 'close-command'});
			},
		});
		return;
	}

	const layout = computeLayout(
		context.size.columns,
		context.size.rows,
		focus,
		snapshot.jobs.length,
	);
	const visible = () => selectVisiblePeers(snapshot.peers, context.peers).map((peer) => peer.idHex);
	if (focus === 'peers' && context.peers.editingFilter && layout.kind !== 'too-small') {
		peersKeys(input, key, {
			state: context.peers,
			dispatch: context.dispatchPeers,
			ids: visible(),
			innerHeight: focusedInnerHeight(layout, focus),
		});
		return;
	}

	// Ctrl and Alt chords are not console keys (Ctrl-C is Ink's, to quit); Esc reports as meta.
	if (key.ctrl || (key.meta && !key.escape)) return;
	if (key.tab) dispatch({type: key.shift ? 'focus-previous' : 'focus-next'});
	else if (input.startsWith(':')) {
		dispatchCommand({type: 'reset'});
		dispatch({type: 'open-command'});
		// A pasted ":publish x⏎" arrives as one input: the rest is typed into the command line.
		if (input.length > 1)
			commandKeys(input.slice(1), key, {
				state: {...context.command, text: '', recall: null},
				dispatch: dispatchCommand,
				onSubmit: actions.submitCommand,
				onCancel() {
					dispatch({type: 'close-command'});
				},
			});
	} else if (input === '?') dispatch({type: 'toggle-help'});
	else if (input === 'p') {
		dispatch({type: 'toggle-pause'});
		// Resuming shows the node as it is now, not the last frame before the pause.
		if (paused) actions.refresh();
	} else if (input === 'q') onExit();
	else if (layout.kind !== 'too-small') {
		const innerHeight = focusedInnerHeight(layout, focus);
		switch (focus) {
			case 'peers': {
				peersKeys(input, key, {
					state: context.peers,
					dispatch: context.dispatchPeers,
					ids: visible(),
					innerHeight,
				});
				break;
			}

			case 'charts': {
				chartsKeys(input, context.dispatchCharts);
				break;
			}

			case 'chunks': {
				chunksKeys(input, key, {
					dispatch: context.dispatchChunks,
					total: snapshot.chunks.length,
					innerHeight,
				});
				break;
			}

			case 'credit': {
				const ids = sortCredit(snapshot.credit).map((entry) => entry.peerIdHex);
				creditKeys(input, key, {
					dispatch: context.dispatchCredit,
					ids,
					selectedId: effectiveSelection(context.credit.selectedId, ids),
					innerHeight,
					onSettle(peerIdHex) {
						actions.askSettle(peerIdHex, null);
					},
				});
				break;
			}

			case 'settings': {
				settingsKeys(input, key, {
					state: context.settings,
					dispatch: context.dispatchSettings,
					settings: snapshot.settings,
					onChange: actions.changeSetting,
				});
				break;
			}
		}
	}
}

/** Content rows of the focused pane, for page-sized moves. */
function focusedInnerHeight(layout: Layout, focus: PaneId): number {
	if (layout.kind === 'too-small') return 0;
	if (layout.kind === 'tabs') return layout.body.height;
	for (const column of layout.columns)
		for (const row of column.rows)
			for (const box of row.panes)
				if (box.pane === focus) return innerSize(box.width, box.height, true).height;
	return 0;
}
