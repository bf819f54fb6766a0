import {useCallback, useMemo} from 'react';
import type {NodeController} from '../node/controller.js';
import type {SettlementRail, Snapshot} from '../node/snapshot.js';
import type {AppAction, PendingConfirm, Status} from './app-state.js';
import {parseCommand, resolvePeer} from './command-parse.js';
import {formatBytes, formatSi, shortHex} from './format.js';
import type {ConsoleDemo} from './console-demo.js';
import type {EditableSetting} from './settings-state.js';

/**
 * Everything the console asks of the node, as stable callbacks: each reports progress and the
 * outcome (or the TornetError's message) on the status line. They read the latest snapshot
 * through `getSnapshot`, so their identities never change.
 */
export function useActions(
	controller: NodeController,
	dispatch: (action: AppAction) => void,
	getSnapshot: () => Snapshot,
	/** Shows a snapshot (and records its samples) unless the console is paused. */
	receive: (snapshot: Snapshot) => void,
	onExit: () => void,
	/** The demo network, when this console can start one. */
	demo?: ConsoleDemo,
) {
	const showStatus = useCallback(
		(status: Status | null) => {
			dispatch({type: 'show-status', status});
		},
		[dispatch],
	);

	const refresh = useCallback(() => {
		receive(controller.getSnapshot());
	}, [controller, receive]);

	const run = useCallback(
		async (starting: string, action: () => Promise<string>) => {
			showStatus({tone: 'info', text: starting});
			try {
				const done = await action();
				showStatus({tone: 'info', text: done});
				refresh();
			} catch (error) {
				showStatus({tone: 'error', text: errorText(error)});
			}
		},
		[showStatus, refresh],
	);

	const askSettle = useCallback(
		(peerIdHex: string, rail: SettlementRail | null) => {
			const prompt = settlePrompt(getSnapshot(), peerIdHex, rail);
			dispatch({type: 'ask-confirm', confirm: {kind: 'settle', peerIdHex, rail, prompt}});
		},
		[dispatch, getSnapshot],
	);

	const startDemo = useCallback(
		(count: number) => {
			if (demo === undefined) {
				showStatus({tone: 'error', text: 'this console cannot start a demo'});
				return;
			}

			void run(`starting ${count} demo peers…`, async () => demo.start(count));
		},
		[demo, run, showStatus],
	);

	/** The operator's answer to a pending confirmation: only y or Y moves money. */
	const answerConfirm = useCallback(
		(confirm: PendingConfirm, answer: string) => {
			dispatch({type: 'close-confirm'});
			const yes = answer === 'y' || answer === 'Y';
			if (confirm.kind === 'demo') {
				if (yes) startDemo(confirm.count);
				else showStatus({tone: 'info', text: 'no demo (:demo starts one later)'});
				return;
			}

			if (!yes) {
				showStatus({tone: 'info', text: 'settle cancelled'});
				return;
			}

			const {peerIdHex, rail} = confirm;
			void run(`settling with ${shortHex(peerIdHex)}…`, async () => {
				const result =
					rail === null
						? await controller.settle(peerIdHex)
						: await controller.settle(peerIdHex, rail);
				return `settled ${formatSi(result.amount)} credits with ${shortHex(peerIdHex)} via ${result.rail}`;
			});
		},
		[controller, dispatch, run, showStatus, startDemo],
	);

	const changeSetting = useCallback(
		async (setting: EditableSetting, value: number) => {
			try {
				await (setting === 'rangeBits'
					? controller.setRange(value)
					: controller.setMinPopularity(value));
				refresh();
			} catch (error) {
				showStatus({tone: 'error', text: errorText(error)});
			}
		},
		[controller, refresh, showStatus],
	);

	const submitCommand = useCallback(
		(text: string) => {
			dispatch({type: 'close-command'});
			if (text.trim() === '') return;
			const parsed = parseCommand(text);
			if (!parsed.ok) {
				showStatus({tone: 'error', text: parsed.error});
				return;
			}

			const {command} = parsed;
			switch (command.kind) {
				case 'publish': {
					void run(`publishing ${command.path}…`, async () => {
						const result = await controller.publish(command.path);
						return `published ${command.path} (${formatBytes(result.bytes)}): ${result.link}`;
					});
					break;
				}

				case 'fetch': {
					const {link, outputPath} = command;
					void run(`fetching ${link}…`, async () => {
						const result =
							outputPath === null
								? await controller.fetch(link)
								: await controller.fetch(link, outputPath);
						return `fetched ${link} into ${result.path} (${formatBytes(result.bytes)})`;
					});
					break;
				}

				case 'settle': {
					const resolved = resolvePeer(command.peer, knownPeerIds(getSnapshot()));
					if (resolved.ok) askSettle(resolved.id, command.rail);
					else showStatus({tone: 'error', text: resolved.error});
					break;
				}

				case 'demo': {
					startDemo(command.count ?? demo?.defaultCount ?? 1);
					break;
				}

				case 'help': {
					dispatch({type: 'toggle-help'});
					break;
				}

				case 'quit': {
					onExit();
					break;
				}
			}
		},
		[controller, dispatch, run, askSettle, showStatus, onExit, getSnapshot, startDemo, demo],
	);

	return useMemo(
		() => ({showStatus, refresh, askSettle, answerConfirm, changeSetting, submitCommand}),
		[showStatus, refresh, askSettle, answerConfirm, changeSetting, submitCommand],
	);
}

/** Peers a `settle` may name: connected ones and any we hold a balance with. */
function knownPeerIds(snapshot: Snapshot): Set<string> {
	const ids = new Set<string>();
	for (const peer of snapshot.peers) ids.add(peer.idHex);
	for (const entry of snapshot.credit) ids.add(entry.peerIdHex);
	return ids;
}

export function settlePrompt(
	snapshot: Snapshot,
	peerIdHex: string,
	rail: SettlementRail | null,
): string {
	const peer = shortHex(peerIdHex);
	const via = rail ?? 'the default rail';
	const entry = snapshot.credit.find((candidate) => candidate.peerIdHex === peerIdHex);
	if (entry === undefined || entry.balance === 0) return `Settle with ${peer} via ${via}?`;
	if (entry.balance < 0) return `Pay ${formatSi(-entry.balance)} credits to ${peer} via ${via}?`;
	return `Ask ${peer} to settle the ${formatSi(entry.balance)} credits it owes, via ${via}?`;
}

/** A TornetError's message already reads "CODE: what happened"; anything else is a bug. */
function errorText(error: unknown): string {
	if (error instanceof Error) return error.message;
	return `unexpected failure: ${String(error)}`;
}
