/**
 * The content of a lock or claim file: `<pid>\n<token>\n` (MF-REG-3, MF-REG-13, MF-REG-14).
 * @see MF-REG-3
 */
import { randomBytes } from 'node:crypto';
import { isValidPid } from './process-probe.js';

/** The pid a lock or claim file names: the integer on its first line, if any. */
export function lockHolderPid(content: string): number | undefined {
  const match = /^\s*(\d+)\s*(?:\n|$)/.exec(content);
  const pid = match === null ? undefined : Number(match[1]);
  return isValidPid(pid) ? pid : undefined;
}

/** A fresh `<pid>\n<16 hex digits>\n`: the pid tells others whether we live, the token tells our file from any other. */
export function newLockContent(pid: number): string {
  return `${pid}\n${randomBytes(8).toString('hex')}\n`;
}
