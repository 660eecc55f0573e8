/**
 * The child's side of CURVE: a spawn-mode child whose parent handed it a secret key, or a connect-mode service
 * asked to use CURVE, makes its socket a CURVE server before it connects or binds. A key that is there but
 * unusable stops the child: it never falls back to plaintext (MF-SEC-6, MF-SEC-7).
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Socket } from '../../transport/transport.js';
import { CURVE_REGISTRY_FIELD, ENV_CURVE, ENV_CURVE_SECRET_KEY } from './curve-environment.js';
import { checkCurveKey, generateCurveKeyPair } from './curve-keys.js';

/** What is read of the child's host: its environment (ChildHost has it; shared code may not import child/). */
interface EnvironmentSource {
  env(name: string): string | undefined;
}

/** Extra registry entry keys of a connect-mode service (its public key when it uses CURVE). */
export type RegistryFields = Readonly<Record<string, string>>;

function requireSecure(socket: Socket): (curve: Parameters<NonNullable<Socket['secure']>>[0]) => void {
  const secure = socket.secure?.bind(socket);
  if (secure === undefined)
    throw new InvalidArgumentError('curve', 'CURVE was asked for, but this transport has no CURVE');
  return secure;
}

/** Spawn mode: CURVE server with the key from `MULTIFROST_CURVE_SECRET_KEY` when it is set. */
export function secureSpawnedChild(socket: Socket, host: EnvironmentSource): boolean {
  const secretKey = host.env(ENV_CURVE_SECRET_KEY);
  if (secretKey === undefined) return false;
  requireSecure(socket)({ role: 'server', secretKey: checkCurveKey(secretKey, ENV_CURVE_SECRET_KEY) });
  return true;
}

/**
 * Connect mode: with `curve: true` or `MULTIFROST_CURVE=1`, a fresh key pair; the socket becomes a CURVE server
 * and the public key goes into the registry entry. Resolves to the entry's extra keys.
 */
export function secureService(socket: Socket, host: EnvironmentSource, curve: boolean | undefined): RegistryFields {
  if (curve === false || (curve !== true && host.env(ENV_CURVE) !== '1')) return {};
  const pair = generateCurveKeyPair();
  requireSecure(socket)({ role: 'server', secretKey: pair.secretKey });
  return { [CURVE_REGISTRY_FIELD]: pair.publicKey };
}
