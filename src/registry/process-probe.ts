/**
 * "Is this pid alive?", behind a port so the in-memory registry can simulate dead owners.
 * @see MF-REG-4, MF-REG-8, MF-REG-10, MF-REG-18
 */
import { readFileSync } from 'node:fs';

/** Answers whether a process exists. */
export interface ProcessProbe {
  /** True when a process with this pid exists (it may belong to another user). Invalid pids are never alive. */
  isAlive(pid: number): boolean;
}

/**
 * A pid a registry may act on: a positive safe integer. 0 and negatives are refused on purpose, because
 * `kill(0, sig)` and `kill(-n, sig)` address process groups and would report "alive" for a nonsense owner.
 */
export function isValidPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0;
}

/**
 * The real probe: `process.kill(pid, 0)` sends no signal but checks existence. EPERM means the process exists
 * and belongs to someone else, so it counts as alive; ESRCH (and anything else) as dead.
 * A zombie (exited, not yet reaped by its parent) exists for `kill` but runs no code: where `/proc` tells
 * (Linux), it counts as dead (MF-REG-18), so its lock is broken at once instead of after the stale age.
 */
export const realProcessProbe: ProcessProbe = {
  isAlive(pid: number): boolean {
    if (!isValidPid(pid)) return false;
    try {
      process.kill(pid, 0);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    return !isZombie(pid);
  },
};

/**
 * True when `/proc/<pid>/stat` shows state Z (zombie) or X (dead). The state follows the last ')' (the
 * command name may itself hold parentheses). False when there is no such file (not Linux, or gone).
 */
export function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/**
 * A process table for the simulator and unit tests: pids are alive from `spawn()`/`add()` until `kill()`.
 * Pair it with a `MemoryRegistryStore` to play crashed owners without real processes.
 */
export class SimulatedProcessTable implements ProcessProbe {
  private readonly alive = new Set<number>();
  private nextPid: number;

  /** @param firstPid the first pid `spawn()` hands out (default 1000). */
  constructor(firstPid = 1000) {
    this.nextPid = firstPid;
  }

  /** Starts a new simulated process and returns its pid. */
  spawn(): number {
    while (this.alive.has(this.nextPid)) this.nextPid++;
    const pid = this.nextPid++;
    this.alive.add(pid);
    return pid;
  }

  /** Marks a given pid alive (for example the registry's own pid). */
  add(pid: number): void {
    this.alive.add(pid);
  }

  /** Marks a pid dead, as if the process was killed with SIGKILL. */
  kill(pid: number): void {
    this.alive.delete(pid);
  }

  isAlive(pid: number): boolean {
    return isValidPid(pid) && this.alive.has(pid);
  }
}
