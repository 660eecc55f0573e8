/**
 * Waiting for a process group to be empty. A group's leader can be gone while members it left behind (a
 * shell wrapper's worker, a straggler) are still being killed: stop() must not report the child gone before
 * they are. @see MF-LIFE-4
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../../time/clock.js';

/** How often the group is looked at while it empties, in ms. */
export const GROUP_POLL_MS = 5;
/** The longest wait for a group to empty, in ms (a process stuck in the kernel ignores even SIGKILL). */
export const GROUP_EXIT_BOUND_MS = 5_000;

/** True when a process in group `pgid` is alive. Zombies are not: they only wait for their parent to reap them. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    // ESRCH: no process in the group; EPERM: one exists that we may not signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return hasLiveMember(pgid);
}

/**
 * On Linux, a zombie still answers kill(0); /proc tells it apart (state Z). Where /proc is missing, every
 * member kill(0) reached counts as alive.
 */
function hasLiveMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

/** Resolves once group `pgid` has no live process, or after `boundMs`; returns whether it emptied. */
export async function waitGroupGone(pgid: number, clock: Clock, boundMs = GROUP_EXIT_BOUND_MS): Promise<boolean> {
  const deadline = clock.nowMs() + boundMs;
  while (groupAlive(pgid)) {
    if (clock.nowMs() >= deadline) return false;
    await clock.sleep(GROUP_POLL_MS);
  }
  return true;
}
