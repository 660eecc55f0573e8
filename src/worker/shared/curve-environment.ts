/**
 * How CURVE is switched on and its keys handed over, shared by parent and child and by every port (MF-SEC-5..8).
 * Keys travel in the environment, never in argv: `/proc/<pid>/cmdline` is readable by every local user,
 * `/proc/<pid>/environ` only by the same user (and root).
 */

/**
 * Spawn mode: the child's CURVE secret key (Z85, 40 characters), set by a parent that uses CURVE. A child that
 * finds it makes its socket a CURVE server with this key (MF-SEC-6).
 */
export const ENV_CURVE_SECRET_KEY = 'MULTIFROST_CURVE_SECRET_KEY';

/**
 * `1` asks for CURVE where no key is handed over: a connect-mode service then makes its own key pair and
 * publishes the public key in its registry entry (MF-SEC-7); a parent driver uses CURVE with its child (MF-SEC-8).
 */
export const ENV_CURVE = 'MULTIFROST_CURVE';

/** The registry entry key holding a connect-mode service's CURVE public key (Z85). */
export const CURVE_REGISTRY_FIELD = 'curve_public_key';
