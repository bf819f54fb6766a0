import {encodedDescriptionLength, type FileDescription} from '../chunks/file-description.js';
import type {GatewayContent} from './gateway-content.js';

/**
 * A browser opening one page of a published site asks for its styles, scripts and images right
 * after, each a request for the same link: without a cache every one would load (and, over the
 * network, fetch) and decode the same description again. Descriptions are immutable, so a cached
 * one never goes stale; the cache is bounded by count and by encoded size, least recently used out.
 */
export const CACHED_DESCRIPTIONS = 32;
export const CACHED_DESCRIPTION_BYTES = 16 << 20; // a description may reach 64 MiB: never keep many

export function cachedContent(
	content: GatewayContent,
	limits: {entries?: number; bytes?: number} = {},
): GatewayContent {
	const maxEntries = limits.entries ?? CACHED_DESCRIPTIONS;
	const maxBytes = limits.bytes ?? CACHED_DESCRIPTION_BYTES;
	// Map order is insertion order: re-inserting on a hit makes the first key the least recent.
	const cache = new Map<string, {description: FileDescription; bytes: number}>();
	let total = 0;
	return {
		async description(link, signal) {
			// The key is part of the name: the same id with another key must not read this one.
			const name = link.id.toString('hex') + link.key.toString('hex');
			const hit = cache.get(name);
			if (hit) {
				cache.delete(name);
				cache.set(name, hit);
				return hit.description;
			}

			const description = await content.description(link, signal);
			const bytes = encodedDescriptionLength(description);
			// A concurrent request may have cached it meanwhile: counting it twice would leak budget.
			if (bytes > maxBytes || maxEntries < 1 || cache.has(name)) return description;
			cache.set(name, {description, bytes});
			total += bytes;
			for (const [oldest, entry] of cache) {
				if (cache.size <= maxEntries && total <= maxBytes) break;
				cache.delete(oldest);
				total -= entry.bytes;
			}

			return description;
		},
		read: (entry, start, end, signal) => content.read(entry, start, end, signal),
	};
}
