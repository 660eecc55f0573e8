/**
 * The environment a spawn-mode parent sets for its child: the parent writes it (child-supervisor), the child
 * reads it (child-worker, child-host). Kept here so that neither side imports the other.
 * @see MF-LIFE-1
 */

/** The port of the parent's bound DEALER socket, which the child connects to. */
export const ENV_PORT = 'COMLINK_ZMQ_PORT';

/** Set to `1` in spawn mode. */
export const ENV_WORKER_MODE = 'COMLINK_WORKER_MODE';

/**
 * Set to `stdin` by a parent that keeps the write end of the child's stdin open for the child's lifetime:
 * its end then means the parent died, and the child stops instead of lingering as an orphan.
 */
export const ENV_PARENT_PIPE = 'MULTIFROST_PARENT_PIPE';

/**
 * When set (`debug`, `info`, `warn` or `error`) and the worker has no `logger` option, the child logs JSON
 * lines at that level to its own stderr. Unset: the child logs nothing (its stderr carries only the user's).
 */
export const ENV_LOG_LEVEL = 'MULTIFROST_LOG_LEVEL';
