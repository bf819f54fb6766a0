import {createRequire} from 'node:module';
import type {Duplex} from 'node:stream';

/**
 * udx-native (C, unencrypted: the baseline of bench/transport.ts), loaded through require with
 * just the surface the bench uses typed here; the package ships no type declarations.
 */
export type UdxSocket = {
	bind(port: number, host: string): void;
	address(): {host: string; port: number};
	setRecvBufferSize(bytes: number): void;
	setSendBufferSize(bytes: number): void;
	close(): Promise<void>;
};

export type UdxStream = Duplex & {
	readonly mtu: number;
	connect(socket: UdxSocket, remoteId: number, port: number, host: string): void;
};

export type Udx = {
	createSocket(): UdxSocket;
	createStream(id: number): UdxStream;
};

const require = createRequire(import.meta.url);
const UdxClass = require('udx-native') as new () => Udx;

export function createUdx(): Udx {
	return new UdxClass();
}
