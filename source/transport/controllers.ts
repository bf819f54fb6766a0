import {Bbr} from './bbr.js';
import type {WindowController} from './congestion.js';
import {Cubic} from './cubic.js';
import {Ledbat} from './ledbat.js';
import {NewReno} from './new-reno.js';

export type CongestionKind = 'cubic' | 'bbr' | 'newreno' | 'ledbat';
const KINDS: readonly string[] = ['cubic', 'bbr', 'newreno', 'ledbat'] satisfies CongestionKind[];

export function isCongestionKind(value: string): value is CongestionKind {
	return KINDS.includes(value);
}

/** `ledbat` for background serving (yields to other traffic), `cubic` for the owner's own. */
export function createCongestionController(
	kind: CongestionKind,
	maxDatagramSize?: number,
): WindowController {
	switch (kind) {
		case 'newreno': {
			return new NewReno(maxDatagramSize);
		}

		case 'ledbat': {
			return new Ledbat(maxDatagramSize);
		}

		case 'bbr': {
			return new Bbr(maxDatagramSize);
		}

		default: {
			return new Cubic(maxDatagramSize);
		}
	}
}
