/**
 * Selection in lists whose order changes every second (peers sorted by rate): the selection is
 * an id, not an index, so it stays on the same row's subject as the list re-sorts.
 */

/** The id shown as selected: the chosen one while it is listed, else the first row. */
export function effectiveSelection(selected: string | null, ids: readonly string[]): string | null {
	if (ids.length === 0) return null;
	if (selected !== null && ids.includes(selected)) return selected;
	return ids[0];
}

/** The id `delta` rows from the current selection, clamped to the list. */
export function moveSelection(
	selected: string | null,
	ids: readonly string[],
	delta: number,
): string | null {
	if (ids.length === 0) return selected;
	const current = effectiveSelection(selected, ids);
	const index = current === null ? 0 : ids.indexOf(current);
	const target = Math.min(ids.length - 1, Math.max(0, index + delta));
	return ids[target];
}

/**
 * First row shown when `index` must be visible in a window of `pageSize` rows. Paging (rather
 * than keeping the selection centred) keeps rows still while the selection moves within a page.
 */
export function pageStart(index: number, pageSize: number): number {
	if (pageSize <= 0 || index <= 0) return 0;
	return Math.floor(index / pageSize) * pageSize;
}
