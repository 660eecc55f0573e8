/**
 * What Linux says about processes, read from /proc: whether a pid is running (a zombie is not), and which
 * processes are in a process group. Used to prove "zero orphans" rather than assume it.
 */
import { readFile, readdir } from 'node:fs/promises';

/** The state letter of a process (`R`, `S`, `Z`, ...) and its process group, or undefined when it is gone. */
export async function processInfo(pid: number): Promise<{ state: string; pgid: number; ppid: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after the last ')' are safe.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** True when the process exists and is not a zombie. */
export async function isRunning(pid: number): Promise<boolean> {
  const info = await processInfo(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Pids of running (non-zombie) processes whose process group is `pgid`. */
export async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = await processInfo(Number(entry));
    if (info !== undefined && info.pgid === pgid && info.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/**
 * Orphans left by a set of spawned children: any of the pids still running, or any process still in one of
 * their process groups (each child leads its own group, so a grandchild shows up here too).
 */
export async function orphansOf(pids: Iterable<number>): Promise<number[]> {
  const left = new Set<number>();
  for (const pid of pids) {
    if (await isRunning(pid)) left.add(pid);
    for (const member of await groupMembers(pid)) left.add(member);
  }
  return [...left];
}

/** Open file descriptors of this process (Linux), a cheap handle-leak signal. */
export async function openFileDescriptors(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

/** Polls `predicate` every `everyMs` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(
  predicate: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  everyMs = 10,
): Promise<boolean> {
  const { realClock } = await import('../../src/time/real-clock.js');
  const deadline = realClock.nowMs() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (realClock.nowMs() >= deadline) return false;
    await realClock.sleep(everyMs);
  }
}
