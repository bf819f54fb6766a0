import type {TargetSpec} from '../target.js';
import {chunkTargets} from './chunks.js';
import {connectionTarget} from './connection.js';
import {endpointTarget} from './endpoint.js';
import {framesTarget} from './frames.js';
import {
	handshakePayloadTarget,
	initiationTarget,
	responseTarget,
	sealedInitiationTarget,
	sealedResponseTarget,
} from './handshake.js';
import {gatewayTargets} from './gateway.js';
import {localTargets} from './local.js';
import {marketTargets} from './market.js';
import {cookieTarget, sessionTarget} from './packets.js';
import {feeTargets} from './request-fees.js';
import {dhtTargets, hostPortTarget, rpcMessageTarget} from './rpc-dht.js';
import {varintTarget} from './varint.js';

/**
 * Every decoder of network or local input, lowest layer first. To add one: write a TargetSpec
 * (codecTarget() for a pure decoder with an encoder) and list it here; the runner, the regression
 * test and the corpus pick it up by name.
 */
export const TARGETS: TargetSpec[] = [
	varintTarget,
	// wire
	sessionTarget,
	cookieTarget,
	handshakePayloadTarget,
	initiationTarget,
	sealedInitiationTarget,
	responseTarget,
	sealedResponseTarget,
	// transport
	endpointTarget,
	framesTarget,
	connectionTarget,
	// rpc, dht
	rpcMessageTarget,
	hostPortTarget,
	...dhtTargets,
	...feeTargets,
	// chunks
	...chunkTargets,
	// market
	...marketTargets,
	// identity, node: text from users and the local control socket
	...localTargets,
	// gateway: request targets and Range headers from browsers and the pages they show
	...gatewayTargets,
];

export function targetByName(name: string): TargetSpec | undefined {
	return TARGETS.find((target) => target.name === name);
}
