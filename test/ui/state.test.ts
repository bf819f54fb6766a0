import test from 'ava';
import {appReducer, initialAppState, type AppState} from '../../source/ui/app-state.js';
import {chartsReducer, initialChartsState} from '../../source/ui/charts-state.js';
import {chunksReducer, initialChunksState, sortChunks} from '../../source/ui/chunks-state.js';
import {
	creditReducer,
	creditUse,
	initialCreditState,
	sortCredit,
} from '../../source/ui/credit-state.js';
import {effectiveSelection, moveSelection, pageStart} from '../../source/ui/list-selection.js';
import {createPeerHistory, peerSeries, recordPeers} from '../../source/ui/peer-history.js';
import {
	initialPeersState,
	peersReducer,
	selectVisiblePeers,
	type PeersAction,
	type PeersState,
} from '../../source/ui/peers-state.js';
import {
	adjustSetting,
	initialSettingsState,
	settingsReducer,
} from '../../source/ui/settings-state.js';
import {hexId, sampleSnapshot} from './memory-controller.js';

function run<S, A>(reducer: (state: S, action: A) => S, state: S, ...actions: A[]): S {
	return actions.reduce(reducer, state);
}

test('app: focus cycles, help and command are modes that exclude each other', (t) => {
	const start = initialAppState(sampleSnapshot());
	t.is(run(appReducer, start, {type: 'focus-next'}, {type: 'focus-next'}).focus, 'chunks');
	t.is(run(appReducer, start, {type: 'focus-previous'}).focus, 'settings');
	const help = appReducer(start, {type: 'toggle-help'});
	t.is(help.mode, 'help');
	t.is(appReducer(help, {type: 'open-command'}).mode, 'help');
	t.is(appReducer(help, {type: 'toggle-help'}).mode, 'normal');
	const command = appReducer(start, {type: 'open-command'});
	t.is(appReducer(command, {type: 'toggle-help'}).mode, 'command');
	t.is(appReducer(command, {type: 'close-command'}).mode, 'normal');
});

test('app: a confirmation holds the action until closed, and clears the status line', (t) => {
	const start: AppState = {
		...initialAppState(sampleSnapshot()),
		status: {tone: 'info', text: 'old'},
	};
	const confirm = {kind: 'settle', peerIdHex: hexId('a1'), rail: null, prompt: 'Pay?'} as const;
	const asking = appReducer(start, {type: 'ask-confirm', confirm});
	t.is(asking.mode, 'confirm');
	t.deepEqual(asking.confirm, confirm);
	t.is(asking.status, null);
	const closed = appReducer(asking, {type: 'close-confirm'});
	t.is(closed.mode, 'normal');
	t.is(closed.confirm, null);
});

test('app: a snapshot replaces the shown one unless paused', (t) => {
	const first = sampleSnapshot({peers: 2});
	const start = initialAppState(first, 0);
	const second = {...sampleSnapshot({peers: 2}), takenAtMs: first.takenAtMs + 1000};
	const next = appReducer(start, {type: 'receive-snapshot', snapshot: second, nowMs: 1000});
	t.is(next.snapshot, second);
	t.is(next.receivedAtMs, 1000);
	t.is(appReducer(next, {type: 'receive-snapshot', snapshot: second, nowMs: 2000}), next);
	const paused = appReducer(next, {type: 'toggle-pause'});
	const third = {...second, takenAtMs: second.takenAtMs + 1000};
	t.is(appReducer(paused, {type: 'receive-snapshot', snapshot: third, nowMs: 3000}), paused);
	const resumed = appReducer(paused, {type: 'toggle-pause'});
	t.is(
		appReducer(resumed, {type: 'receive-snapshot', snapshot: third, nowMs: 3000}).snapshot,
		third,
	);
});

test('peer history keeps the last `limit` samples, oldest first, and only present peers', (t) => {
	const history = createPeerHistory(4);
	const snapshot = sampleSnapshot({peers: 3});
	for (let i = 0; i < 10; i++)
		recordPeers(
			history,
			snapshot.peers.map((peer) => ({...peer, upBps: i, rttMs: i === 8 ? null : i})),
		);
	t.deepEqual(peerSeries(history, hexId('a2')), {
		rttMs: [6, 7, null, 9],
		upBps: [6, 7, 8, 9],
		downBps: [6000, 6000, 6000, 6000],
	});
	recordPeers(history, snapshot.peers.slice(0, 1));
	t.deepEqual([...history.rings.keys()], [hexId('a0')]);
	t.is(peerSeries(history, hexId('a2')), null);
	const fresh = createPeerHistory(4);
	recordPeers(fresh, snapshot.peers);
	t.deepEqual(peerSeries(fresh, hexId('a1'))?.upBps, [2000]);
});

const peers = sampleSnapshot({peers: 6}).peers;

function visible(state: PeersState) {
	return selectVisiblePeers(peers, state).map((peer) => peer.idHex.slice(0, 2));
}

test('peers: sort by download first, s cycles the column, r reverses', (t) => {
	t.deepEqual(visible(initialPeersState), ['a5', 'a4', 'a3', 'a2', 'a1', 'a0']);
	const byUp = peersReducer(initialPeersState, {type: 'cycle-sort'});
	t.is(byUp.sortKey, 'up');
	const byRtt = peersReducer(byUp, {type: 'cycle-sort'});
	t.is(byRtt.sortKey, 'rtt');
	// RTT ascends; peers without a measurement (a2) go last.
	t.deepEqual(visible(byRtt), ['a0', 'a1', 'a3', 'a4', 'a5', 'a2']);
	t.deepEqual(visible(peersReducer(byRtt, {type: 'reverse-sort'})).at(0), 'a2');
});

test('peers: the filter matches id, address or state, only while editing takes text', (t) => {
	const typed = run<PeersState, PeersAction>(
		peersReducer,
		initialPeersState,
		{type: 'type-filter', text: 'ignored'},
		{type: 'start-filter'},
		{type: 'type-filter', text: 'hand'},
	);
	t.is(typed.filter, 'hand');
	t.deepEqual(visible(typed), ['a2']);
	const byAddress = {...typed, filter: '10.0.0.5'};
	t.deepEqual(visible(byAddress), ['a4']);
	const committed = peersReducer(typed, {type: 'commit-filter'});
	t.false(committed.editingFilter);
	t.is(peersReducer(committed, {type: 'type-filter', text: 'x'}), committed);
	t.is(peersReducer(typed, {type: 'delete-filter-char'}).filter, 'han');
	t.deepEqual(peersReducer(committed, {type: 'clear-filter'}), initialPeersState);
	const long = peersReducer(typed, {type: 'type-filter', text: 'x'.repeat(500)});
	t.true(long.filter.length <= 64);
});

test('peers: the selection follows the peer, not the row, as the order changes', (t) => {
	const ids = selectVisiblePeers(peers, initialPeersState).map((peer) => peer.idHex);
	const moved = peersReducer(initialPeersState, {type: 'move-selection', delta: 2, ids});
	t.is(moved.selectedId, hexId('a3'));
	const reversed = selectVisiblePeers(peers, {...moved, descending: false}).map((p) => p.idHex);
	t.is(effectiveSelection(moved.selectedId, reversed), hexId('a3'));
	t.is(moveSelection(moved.selectedId, reversed, 1), hexId('a4'));
	t.is(moveSelection(moved.selectedId, reversed, 100), hexId('a5'));
	t.is(moveSelection(moved.selectedId, reversed, -100), hexId('a0'));
	t.is(effectiveSelection(hexId('ff'), reversed), reversed[0]);
	t.is(effectiveSelection(null, []), null);
});

test('pageStart pages so the selection is always visible', (t) => {
	t.is(pageStart(0, 10), 0);
	t.is(pageStart(9, 10), 0);
	t.is(pageStart(10, 10), 10);
	t.is(pageStart(25, 10), 20);
	t.is(pageStart(5, 0), 0);
});

test('chunks: scrolling clamps to a full last page; sorting resets the offset', (t) => {
	const scrolled = chunksReducer(initialChunksState, {
		type: 'scroll',
		delta: 500,
		total: 100,
		pageSize: 10,
	});
	t.is(scrolled.offset, 90);
	t.is(chunksReducer(scrolled, {type: 'scroll', delta: -500, total: 100, pageSize: 10}).offset, 0);
	t.is(
		chunksReducer(scrolled, {type: 'scroll-to', position: 'start', total: 100, pageSize: 10})
			.offset,
		0,
	);
	t.deepEqual(chunksReducer(scrolled, {type: 'cycle-sort'}), {sortKey: 'distance', offset: 0});
	const chunks = sampleSnapshot({chunks: 12}).chunks;
	t.deepEqual(
		sortChunks(chunks, 'rate')
			.slice(0, 2)
			.map((chunk) => chunk.queryRate),
		[100, 99],
	);
	t.deepEqual(
		sortChunks(chunks, 'distance')
			.slice(0, 2)
			.map((chunk) => chunk.distanceBits),
		[150, 150],
	);
});

test('credit: most used lines first; use is |balance| over the line', (t) => {
	const credit = sampleSnapshot({peers: 3}).credit;
	t.is(creditUse(credit[1]), 0.2);
	t.is(creditUse({...credit[1], creditLine: 0}), 0);
	t.deepEqual(
		sortCredit(credit).map((entry) => entry.peerIdHex.slice(0, 2)),
		['a2', 'a1', 'a0'],
	);
	const ids = sortCredit(credit).map((entry) => entry.peerIdHex);
	t.is(
		creditReducer(initialCreditState, {type: 'move-selection', delta: 1, ids}).selectedId,
		hexId('a1'),
	);
});

test('settings: adjustments clamp to their bounds; only the matching answer clears pending', (t) => {
	t.is(adjustSetting('rangeBits', 160, 1, false), 160);
	t.is(adjustSetting('rangeBits', 3, -1, true), 0);
	t.is(adjustSetting('rangeBits', 100, 1, true), 108);
	t.is(adjustSetting('minPopularity', 0.5, -1, false), 0);
	t.is(adjustSetting('minPopularity', 2.3, 1, false), 3.3);
	const pending = run(
		settingsReducer,
		initialSettingsState,
		{type: 'set-pending', setting: 'rangeBits', value: 153},
		{type: 'set-pending', setting: 'rangeBits', value: 154},
	);
	const staleAnswer = settingsReducer(pending, {
		type: 'clear-pending',
		setting: 'rangeBits',
		value: 153,
	});
	t.is(staleAnswer.pending.rangeBits, 154);
	const answered = settingsReducer(pending, {
		type: 'clear-pending',
		setting: 'rangeBits',
		value: 154,
	});
	t.is(answered.pending.rangeBits, null);
	t.is(settingsReducer(initialSettingsState, {type: 'select-next'}).selected, 'minPopularity');
	t.is(settingsReducer(initialSettingsState, {type: 'select-previous'}).selected, 'minPopularity');
});

test('charts: v toggles between node and peer scope', (t) => {
	const peer = chartsReducer(initialChartsState, {type: 'toggle-scope'});
	t.is(peer.scope, 'peer');
	t.is(chartsReducer(peer, {type: 'toggle-scope'}).scope, 'node');
});
