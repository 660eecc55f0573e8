import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type {
  ExitInfo,
  LaunchedProcess,
  LaunchSpec,
  OutputStream,
  ProcessLauncher,
} from '../shared/process-launcher.js';
import { TailBuffer } from '../shared/process-launcher.js';
import { realClock } from '../../time/real-clock.js';
import { waitGroupGone } from './process-group.js';

/** Splits a byte stream into lines, keeping a partial last line until the next chunk. */
function lineReader(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  return {
    push(chunk) {
      partial += decoder.write(chunk);
      let newline = partial.indexOf('\n');
      while (newline >= 0) {
        onLine(partial.slice(0, newline));
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
      }
    },
    end() {
      partial += decoder.end();
      if (partial !== '') onLine(partial);
      partial = '';
    },
  };
}

class NodeProcess implements LaunchedProcess {
  readonly exit: Promise<ExitInfo>;
  exited: ExitInfo | undefined;
  private readonly tail = new TailBuffer();

  constructor(
    private readonly child: ChildProcess,
    onRawOutput: (stream: OutputStream, line: string) => void,
  ) {
    const pipe = (stream: OutputStream, source: NodeJS.ReadableStream | null): Promise<void> => {
      if (source === null) return Promise.resolve();
      const reader = lineReader((line) => {
        if (stream === 'stderr') this.tail.push(`${line}\n`);
        onRawOutput(stream, line);
      });
      source.on('data', (chunk: Buffer) => reader.push(chunk));
      return new Promise((resolve) => {
        source.once('close', () => {
          reader.end();
          resolve();
        });
      });
    };
    const drained = Promise.all([pipe('stdout', child.stdout), pipe('stderr', child.stderr)]);
    this.exit = new Promise<ExitInfo>((resolve) => {
      let finishing = false;
      const finish = async (info: ExitInfo): Promise<void> => {
        if (finishing) return;
        finishing = true;
        this.reapGroup();
        // The exit counts once the whole group is gone (bounded): stop() then leaves no straggler behind.
        if (child.pid !== undefined) await waitGroupGone(child.pid, realClock);
        this.exited = info;
        // Give the pipes a moment to deliver the last stderr lines so the SpawnError can quote them; a
        // grandchild holding the pipe open must not delay the report.
        void Promise.race([drained, new Promise((r) => setImmediate(r))]).then(() => resolve(info));
      };
      child.once('exit', (code, signal) => void finish({ code, signal }));
      child.once('error', (error) => void finish({ code: null, signal: null, error }));
    });
    // Closing our end of stdin tells a cooperative child that its parent is gone (see child-host).
    child.stdin?.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stderrTail(): string {
    return this.tail.toString();
  }

  /**
   * Whatever the child left in its process group (a wrapper's worker, a grandchild) dies with it: the group
   * is the child's alone (`detached`), so this never reaches anything else.
   */
  private reapGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already empty.
    }
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exited !== undefined) return;
    try {
      // Negative pid: the whole process group (the child is its leader, see `detached` below).
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }
}

/** Launches real processes: no shell, own process group, piped output. @see MF-LIFE-1, MF-LIFE-4 */
export class NodeProcessLauncher implements ProcessLauncher {
  readonly providesStdinPipe = true;

  launch(spec: LaunchSpec, onRawOutput: (stream: OutputStream, line: string) => void): LaunchedProcess {
    const child = spawn(spec.command, [...spec.args], {
      env: { ...spec.env },
      cwd: spec.cwd,
      shell: false,
      // A process group of its own, so stop() can signal wrappers (tsx, go run, shells) and their children.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    return new NodeProcess(child, onRawOutput);
  }
}
