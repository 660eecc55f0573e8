// Spawning the registry test processes: JSON lines on stdout, reaped in t.after even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves the next JSON line whose `type` is `type` (rejects when the process exits first). */
  message(type: string): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited and been reaped. */
  readonly exited: Promise<void>;
  /** Everything written to stderr so far (for failure messages). */
  stderr(): string;
}

/** Starts `node --import tsx harness/test/registry/<script> ...args`; killed with SIGKILL in t.after if still running. */
export function spawnScript(t: TestContext, script: string, args: readonly string[]): Spawned {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderrText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderrText += chunk));
  // 'close' comes after 'exit' and after stdout has been read to its end.
  const exited = once(child, 'close').then(() => undefined);
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return; // not ours (stray output)
    }
    for (const wake of waiters.splice(0)) wake();
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  });
  const message = async (type: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = messages.findIndex((m) => m['type'] === type);
      if (found >= 0) return messages.splice(found, 1)[0]!;
      if (ended)
        throw new Error(
          `${script} exited (code ${child.exitCode}, signal ${child.signalCode}) before '${type}'\n${stderrText}`,
        );
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`);
  return { child, pid: child.pid, message, exited, stderr: () => stderrText };
}
