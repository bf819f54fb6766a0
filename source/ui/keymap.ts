import type {PaneId} from './layout.js';

/** The keys the footer and the help overlay list; the panes' useInput handlers implement them. */
export type KeyHelp = {keys: string; action: string};

export const GLOBAL_KEYS: readonly KeyHelp[] = [
	{keys: 'Tab', action: 'next pane'},
	{keys: 'S-Tab', action: 'previous pane'},
	{keys: ':', action: 'command'},
	{keys: '?', action: 'help'},
	{keys: 'p', action: 'pause'},
	{keys: 'q', action: 'quit'},
];

export const PANE_KEYS: Record<PaneId, readonly KeyHelp[]> = {
	peers: [
		{keys: '↑↓', action: 'select'},
		{keys: '/', action: 'filter'},
		{keys: 's', action: 'sort'},
		{keys: 'r', action: 'reverse'},
		{keys: 'Esc', action: 'clear filter'},
	],
	charts: [{keys: 'v', action: 'node/peer charts'}],
	chunks: [
		{keys: '↑↓', action: 'scroll'},
		{keys: 'PgUp/PgDn', action: 'page'},
		{keys: 's', action: 'sort'},
	],
	credit: [
		{keys: '↑↓', action: 'select'},
		{keys: 's', action: 'settle selected'},
	],
	settings: [
		{keys: '↑↓', action: 'choose'},
		{keys: '←→', action: 'adjust'},
		{keys: 'PgUp/PgDn', action: 'adjust more'},
	],
};

export const FILTER_KEYS: readonly KeyHelp[] = [
	{keys: 'Enter', action: 'keep filter'},
	{keys: 'Esc', action: 'clear filter'},
];

export const COMMAND_KEYS: readonly KeyHelp[] = [
	{keys: 'Enter', action: 'run'},
	{keys: '↑↓', action: 'history'},
	{keys: 'Esc', action: 'cancel'},
];

export const CONFIRM_KEYS: readonly KeyHelp[] = [
	{keys: 'y', action: 'yes, settle'},
	{keys: 'n/Esc', action: 'no'},
];

export const HELP_KEYS: readonly KeyHelp[] = [{keys: 'any key', action: 'close help'}];

export function formatKeys(keys: readonly KeyHelp[]): string {
	return keys.map(({keys, action}) => `${keys} ${action}`).join('  ');
}
