/**
 * What the kit learns about a worker process from the operating system, without its cooperation: the TCP
 * sockets listening on this host (`/proc/net/tcp`, `/proc/net/tcp6`) with their bound address, the processes
 * of the worker's process group and the sockets they hold (`/proc/<pid>/fd`), whether a pid is alive, and a
 * pid that is certainly dead. Linux only: elsewhere the listing functions return undefined and the steps
 * that need them skip with the reason.
 * @see MF-SEC-1, MF-LIFE-12, MF-REG-4, MF-REG-8
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Clock } from '../../src/time/clock.js';

/** A TCP socket in the LISTEN state. */
export interface TcpListener {
  /** `tcp` (IPv4) or `tcp6`. */
  readonly family: 'tcp' | 'tcp6';
  /** The bound address, e.g. `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `::ffff:127.0.0.1`. */
  readonly address: string;
  readonly port: number;
  readonly inode: number;
}

/** State code of a listening socket in /proc/net/tcp. */
const TCP_LISTEN = '0A';

/** The four bytes of a /proc/net/tcp IPv4 address (host byte order on little-endian machines). */
function ipv4(hex: string): string {
  const bytes = Buffer.from(hex, 'hex').reverse();
  return [...bytes].join('.');
}

/** A /proc/net/tcp6 address: four 32-bit words, each in host byte order. */
function ipv6(hex: string): string {
  const bytes = Buffer.concat([0, 8, 16, 24].map((at) => Buffer.from(hex.slice(at, at + 8), 'hex').reverse()));
  if (bytes.every((b) => b === 0)) return '::';
  if (bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1) return '::1';
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  const groups: string[] = [];
  for (let at = 0; at < 16; at += 2) groups.push(bytes.readUInt16BE(at).toString(16));
  return groups.join(':');
}

function readListeners(family: 'tcp' | 'tcp6'): TcpListener[] {
  let text: string;
  try {
    text = readFileSync(`/proc/net/${family}`, 'utf8');
  } catch {
    return [];
  }
  const listeners: TcpListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const [addressHex, portHex] = fields[1]!.split(':') as [string, string];
    listeners.push({
      family,
      address: family === 'tcp' ? ipv4(addressHex) : ipv6(addressHex),
      port: parseInt(portHex, 16),
      inode: Number(fields[9]),
    });
  }
  return listeners;
}

/** Every listening TCP socket of this network namespace, or undefined when /proc/net/tcp cannot be read. */
export function tcpListeners(): TcpListener[] | undefined {
  try {
    readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  return [...readListeners('tcp'), ...readListeners('tcp6')];
}

/** True for an address that only the local host can reach. */
export function isLoopbackAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** Pids of the processes in process group `pgid` (the worker and any wrapper or child it started). */
export function processGroup(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp ...
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(after[2]) === pgid) members.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/** Inodes of the sockets the processes `pids` hold open. */
export function socketInodes(pids: readonly number[]): Set<number> {
  const inodes = new Set<number>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match !== null) inodes.add(Number(match[1]));
      } catch {
        // Closed while we looked.
      }
    }
  }
  return inodes;
}

/** The TCP sockets process group `pgid` listens on (undefined without /proc). */
export function groupListeners(pgid: number): TcpListener[] | undefined {
  const all = tcpListeners();
  if (all === undefined) return undefined;
  const inodes = socketInodes(processGroup(pgid));
  return all.filter((listener) => inodes.has(listener.inode));
}

/** `kill(pid, 0)`: EPERM (another user's process) counts as alive. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a process that ran and was reaped, checked dead (retried in the unlikely case of reuse). */
export async function deadPid(): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const pid = child.pid;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    if (pid !== undefined && !isAlive(pid)) return pid;
  }
  throw new Error('could not obtain the pid of a dead process');
}

/**
 * Polls `check` every `intervalMs` until it gives a value (anything but undefined), or until `boundMs` of
 * the clock pass, or until `giveUp()` holds (after one more check). Resolves undefined when nothing came.
 */
export async function pollFor<T>(
  clock: Clock,
  boundMs: number,
  check: () => T | undefined | Promise<T | undefined>,
  options: { intervalMs?: number; giveUp?: () => boolean } = {},
): Promise<T | undefined> {
  const intervalMs = options.intervalMs ?? 20;
  const deadlineMs = clock.nowMs() + boundMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (options.giveUp?.() === true) return check();
    const remainingMs = deadlineMs - clock.nowMs();
    if (remainingMs <= 0) return undefined;
    await clock.sleep(Math.min(intervalMs, remainingMs));
  }
}
