/**
 * Loaded with `node --import` into every demo peer, so a peer lives only as long as the console or
 * headless node that started it: its stdin is a pipe from that process, and the pipe closes
 * however the parent goes (quit, crash, SIGKILL). The peer then stops as `tornet start` does on
 * SIGTERM, and exits anyway if that takes too long. No demo leaves orphans behind.
 */
import type {Socket} from 'node:net';

const GRACE_MS = 5000; // Closing the node takes well under a second; a stuck one is cut off.

function parentGone(): void {
	process.kill(process.pid, 'SIGTERM');
	setTimeout(() => {
		process.exit(0);
	}, GRACE_MS).unref();
}

const stdin = process.stdin as unknown as Socket;
stdin.once('end', parentGone);
stdin.once('error', parentGone);
stdin.resume();
// The pipe must not keep the peer alive once its node has closed after an ordinary SIGTERM.
stdin.unref?.();
