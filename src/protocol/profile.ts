/**
 * Protocol profiles as data. Everything that differs between `v3` (the seed) and `v4` (the deployed
 * ports) is described here, so no other module branches on the profile name.
 * @see MF-PROF-1 .. MF-PROF-7 in docs/spec.md (MF-PROF-5 withdrawn)
 */

export type ProfileName = 'v3' | 'v4';

/** How a profile carries the heartbeat timestamp and its echo. */
export interface HeartbeatEncoding {
  /** The fields a parent puts on a HEARTBEAT request, given the send time in epoch milliseconds. */
  request(sentAtEpochMs: number): { args?: unknown[]; metadata?: Record<string, unknown> };
  /** The fields a child puts on the echo, given the request's fields. */
  echo(request: { args?: unknown; metadata?: unknown }): { args?: unknown[]; metadata?: Record<string, unknown> };
  /** The send time in epoch milliseconds carried by an echo, or undefined when it carries none. */
  sentAtEpochMs(echo: { args?: unknown; metadata?: unknown }): number | undefined;
}

export interface Profile {
  readonly name: ProfileName;
  /** Value of the `app` field. */
  readonly app: string;
  readonly heartbeat: HeartbeatEncoding;
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** v3: `args: [sentAtEpochMs]`, echoed unchanged. @see MF-PROF-2 */
export const V3: Profile = {
  name: 'v3',
  app: 'comlink_ipc_v3',
  heartbeat: {
    request: (sentAtEpochMs) => ({ args: [sentAtEpochMs] }),
    echo: (request) => (Array.isArray(request.args) ? { args: request.args } : {}),
    sentAtEpochMs: (echo) => (Array.isArray(echo.args) ? finiteNumber(echo.args[0]) : undefined),
  },
};

/** v4: `metadata.hb_timestamp` in epoch seconds, echoed with `hb_response: true`. @see MF-PROF-3 */
export const V4: Profile = {
  name: 'v4',
  app: 'comlink_ipc_v4',
  heartbeat: {
    request: (sentAtEpochMs) => ({ metadata: { hb_timestamp: sentAtEpochMs / 1000 } }),
    echo: (request) => ({ metadata: { ...(isRecord(request.metadata) ? request.metadata : {}), hb_response: true } }),
    sentAtEpochMs: (echo) => {
      if (!isRecord(echo.metadata)) return undefined;
      const seconds = finiteNumber(echo.metadata['hb_timestamp']);
      return seconds === undefined ? undefined : seconds * 1000;
    },
  },
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = { v3: V3, v4: V4 };

/** The profile whose app id is `app`, or undefined for an unknown app id. */
export function profileForApp(app: unknown): Profile | undefined {
  if (app === V3.app) return V3;
  if (app === V4.app) return V4;
  return undefined;
}

export function isProfileName(value: unknown): value is ProfileName {
  return value === 'v3' || value === 'v4';
}
