import {memo, useMemo} from 'react';
import type {PendingConfirm, Status} from './app-state.js';
import type {Line} from './text-line.js';
import {Lines} from './Lines.js';

/** The outcome of the last action, or the question of a pending confirmation. */
export const StatusLine = memo(function StatusLine({
	status,
	confirm,
	width,
}: {
	status: Status | null;
	confirm: PendingConfirm | null;
	width: number;
}) {
	const lines = useMemo((): Line[] => {
		if (confirm !== null)
			return [
				[
					{text: confirm.prompt, bold: true, tone: 'warn'},
					{text: ' [y/N]', bold: true},
				],
			];
		if (status === null) return [[{text: '? help  : command', tone: 'muted'}]];
		return [[{text: status.text, tone: status.tone === 'error' ? 'bad' : 'good'}]];
	}, [status, confirm]);
	return <Lines lines={lines} width={width} height={1} />;
});
