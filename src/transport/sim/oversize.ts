import type { Frames } from '../transport.js';

/**
 * The size of the first frame over `limitBytes` (libzmq's MAXMSGSIZE, which applies per frame), or undefined
 * when every frame fits or there is no limit.
 * @see MF-MSG-10, MF-SEC-3
 */
export function oversizedFrame(frames: Frames, limitBytes: number | undefined): number | undefined {
  if (limitBytes === undefined) return undefined;
  for (const frame of frames) if (frame.byteLength > limitBytes) return frame.byteLength;
  return undefined;
}
