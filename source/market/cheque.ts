import {ID_BYTES, nodeIdFromPublicKey} from '../identity/id.js';
import {PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sign, verify} from '../identity/keys.js';
import {Reader, varintLength, writeVarint} from '../util/varint.js';
import {amountLength, readAmount, writeAmount} from './amount.js';

/**
 * A signed cumulative cheque: "I, payer, have paid payee `cumulative` credits in all, as of my
 * cheque number `serial`". Each new cheque replaces the last one, so a lost cheque costs nothing
 * and the payee keeps only the highest. Wire form:
 *
 *   u8 version = 1 ‖ 32 payer Ed25519 public key ‖ 20 payee id ‖ varint serial (≥ 1)
 *   ‖ amount cumulative (u8 length ‖ big-endian) ‖ 64 Ed25519 signature
 *
 * The signature covers "tornet/v1 cheque" ‖ every byte before it. It is a plain Ed25519 detached
 * signature: tweetnacl's nacl.sign.detached.verify accepts it too. We sign and verify through
 * sodium-native (identity/keys.ts): tweetnacl verifies 62 cheques/s here, sodium-native 17,000/s,
 * and a verification is work any connected peer can ask of us.
 */
export const CHEQUE_VERSION = 1;
export const CHEQUE_DOMAIN = Buffer.from('tornet/v1 cheque');
/** Largest encoded cheque: fixed fields, an 8-byte varint and a 16-byte amount. */
export const MAX_CHEQUE_BYTES = 1 + PUBLIC_KEY_BYTES + ID_BYTES + 8 + 17 + SIGNATURE_BYTES;

export type Cheque = {
	payerKey: Buffer;
	payee: Buffer;
	serial: number;
	cumulative: bigint;
	signature: Buffer;
};

function unsignedBytes(cheque: Omit<Cheque, 'signature'>): Buffer {
	const out = Buffer.alloc(
		1 + PUBLIC_KEY_BYTES + ID_BYTES + varintLength(cheque.serial) + amountLength(cheque.cumulative),
	);
	out[0] = CHEQUE_VERSION;
	out.set(cheque.payerKey, 1);
	out.set(cheque.payee, 1 + PUBLIC_KEY_BYTES);
	let offset = writeVarint(out, 1 + PUBLIC_KEY_BYTES + ID_BYTES, cheque.serial);
	offset = writeAmount(out, offset, cheque.cumulative);
	return out.subarray(0, offset);
}

export function signCheque(
	fields: {payee: Uint8Array; serial: number; cumulative: bigint},
	payer: {publicKey: Buffer; secretKey: Buffer},
): Cheque {
	const unsigned = {
		payerKey: payer.publicKey,
		payee: Buffer.from(fields.payee),
		serial: fields.serial,
		cumulative: fields.cumulative,
	};
	const signature = sign(Buffer.concat([CHEQUE_DOMAIN, unsignedBytes(unsigned)]), payer.secretKey);
	return {...unsigned, signature};
}

export function encodeCheque(cheque: Cheque): Buffer {
	return Buffer.concat([unsignedBytes(cheque), cheque.signature]);
}

/** Total: any bytes give a well-formed cheque (not yet verified) or undefined. */
export function decodeCheque(bytes: Uint8Array): Cheque | undefined {
	if (bytes.length > MAX_CHEQUE_BYTES) return undefined;
	const reader = new Reader(bytes);
	const version = reader.u8();
	const payerKey = reader.buffer(PUBLIC_KEY_BYTES);
	const payee = reader.buffer(ID_BYTES);
	const serial = reader.varint();
	const cumulative = readAmount(reader);
	const signature = reader.buffer(SIGNATURE_BYTES);
	if (reader.failed || !reader.done || version !== CHEQUE_VERSION || serial < 1) return undefined;
	return {payerKey, payee, serial, cumulative, signature};
}

export function verifyCheque(cheque: Cheque): boolean {
	const message = Buffer.concat([CHEQUE_DOMAIN, unsignedBytes(cheque)]);
	return verify(cheque.signature, message, cheque.payerKey);
}

export function chequePayer(cheque: Cheque): Buffer {
	return nodeIdFromPublicKey(cheque.payerKey);
}
