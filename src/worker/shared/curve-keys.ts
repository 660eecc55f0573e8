/**
 * CURVE key pairs and their Z85 text form (ZeroMQ RFC 32), made with Node's own X25519, so that neither the
 * worker code nor a simulated worker needs the native module to create keys. A CURVE key pair is an X25519
 * pair: libzmq's `zmq_curve_keypair` makes the same kind of 32-byte keys.
 * @see MF-SEC-5
 */
import { createRequire } from 'node:module';
import { InvalidArgumentError } from '../../errors.js';
import type { Socket } from '../../transport/transport.js';

/**
 * node:crypto, loaded when the first key pair is made rather than at import: every child imports this module,
 * and Node 20 compiles node:crypto on first load (about 7 ms of each child's start-up, measured 2026-12-02),
 * which a child without CURVE never needs.
 */
let crypto: typeof import('node:crypto') | undefined;
function nodeCrypto(): typeof import('node:crypto') {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto;
}

/** Public and secret key, each 40 characters of Z85. */
export interface CurveKeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Map([...ALPHABET].map((char, index) => [char, index]));

/** Z85 text of `bytes` (a multiple of 4 bytes long). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0)
    throw new InvalidArgumentError('bytes', `Z85 needs a multiple of 4 bytes, got ${bytes.length}`);
  let text = '';
  for (let offset = 0; offset < bytes.length; offset += 4) {
    let value =
      ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
    const chunk: string[] = [];
    for (let index = 0; index < 5; index++) {
      chunk.unshift(ALPHABET[value % 85]!);
      value = Math.floor(value / 85);
    }
    text += chunk.join('');
  }
  return text;
}

/** Bytes of Z85 `text`. @throws InvalidArgumentError on a length not a multiple of 5 or a character outside Z85. */
export function z85Decode(text: string, what = 'key'): Uint8Array {
  if (text.length % 5 !== 0)
    throw new InvalidArgumentError(what, `Z85 text length must be a multiple of 5, got ${text.length}`);
  const bytes = new Uint8Array((text.length / 5) * 4);
  for (let chunk = 0; chunk < text.length / 5; chunk++) {
    let value = 0;
    for (let index = 0; index < 5; index++) {
      const digit = DECODE.get(text[chunk * 5 + index]!);
      if (digit === undefined) throw new InvalidArgumentError(what, 'is not Z85 text');
      value = value * 85 + digit;
    }
    if (value > 0xffff_ffff) throw new InvalidArgumentError(what, 'is not Z85 text (a group exceeds 32 bits)');
    new DataView(bytes.buffer).setUint32(chunk * 4, value);
  }
  return bytes;
}

/** Checks that `key` is a 32-byte key in Z85 (40 characters). @throws InvalidArgumentError naming `what`. */
export function checkCurveKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key.length !== 40)
    throw new InvalidArgumentError(what, 'must be a CURVE key: 40 characters of Z85');
  z85Decode(key, what);
  return key;
}

/** A fresh key pair from the operating system's random source. */
export function generateCurveKeyPair(): CurveKeyPair {
  const { publicKey, privateKey } = nodeCrypto().generateKeyPairSync('x25519');
  const publicJwk = publicKey.export({ format: 'jwk' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  return {
    publicKey: z85Encode(Buffer.from(publicJwk.x!, 'base64url')),
    secretKey: z85Encode(Buffer.from(privateJwk.d!, 'base64url')),
  };
}

/**
 * Makes `socket` a CURVE client of `serverPublicKey` with a fresh key pair of its own; before it connects.
 * Throws InvalidArgumentError when the socket's transport has no CURVE or the key is not 40 characters of Z85.
 */
export function secureAsClientOf(socket: Socket, serverPublicKey: string): void {
  if (socket.secure === undefined) throw new InvalidArgumentError('curve', 'this transport has no CURVE');
  socket.secure({
    role: 'client',
    serverPublicKey: checkCurveKey(serverPublicKey, CURVE_PUBLIC_KEY),
    ...generateCurveKeyPair(),
  });
}

const CURVE_PUBLIC_KEY = 'curve_public_key';
