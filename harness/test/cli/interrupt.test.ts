/**
 * SIGINT and SIGTERM in the middle of a run, sent to the real CLI process: the kit stops every process it
 * started (worker, fault relay), says it was interrupted and how far it got, writes the reports it was asked
 * for, and exits 130. Processes are counted afterwards by a marker in their environment: none may be left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, REPO_ROOT, requireBuild } from './cli-process.js';

/** Pids of live processes whose environment holds `marker` (read from /proc; zombies have none). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').includes(marker)) found.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/**
 * Starts the CLI, sends `signal` once `scenariosBeforeSignal` scenario lines were printed (CI mode: one plain
 * line per scenario), and resolves with its exit and output. Everything is killed when the test ends.
 */
function interruptRun(
  t: TestContext,
  args: string[],
  signal: NodeJS.Signals,
  marker: string,
): Promise<{ code: number | null; stdout: string; stderr: string; workersAtSignal: number }> {
  requireBuild();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: '1', MF_INTERRUPT_MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  t.after(() => {
    for (const pid of processesWith(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  let stdout = '';
  let stderr = '';
  let workersAtSignal = -1;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (workersAtSignal < 0 && (stdout.match(/^(PASS|FAIL|TIME|SKIP|INFO) /gm) ?? []).length >= 3) {
      // The CLI itself carries the marker too: what else carries it is what the kit started.
      workersAtSignal = processesWith(marker).filter((pid) => pid !== child.pid).length;
      child.kill(signal);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, workersAtSignal })));
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-interrupt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('SIGINT mid-run: the worker is stopped, the kit says how far it got, writes the JSON report, exits 130, and leaves no process', async (t) => {
  const dir = tempDir(t);
  const marker = `mf-interrupt-${randomUUID()}`;
  const result = await interruptRun(t, ['--reference', '--json', join(dir, 'r.json')], 'SIGINT', marker);
  assert.equal(result.code, 130, result.stdout + result.stderr);
  assert.ok(result.workersAtSignal >= 1, 'a worker was running when the signal came');
  const line =
    /^multifrost-conform: interrupted by SIGINT after (\d+) of (\d+) scenarios; stopped (\d+) process\(es\) the kit had started; (\d+) scenario\(s\) not run; the reports hold what was done$/m.exec(
      result.stdout,
    );
  assert.ok(line !== null, result.stdout.slice(-2000));
  const [, done, total, stopped, notRun] = line.map(Number);
  assert.ok(done! >= 3 && done! < total!, `${done} of ${total}`);
  assert.ok(stopped! >= 1 && notRun! >= 1);
  assert.ok(existsSync(join(dir, 'r.json')));
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
    scenarios: Array<{ verdict: string; reason?: string }>;
  };
  assert.ok(
    report.scenarios.filter((s) => s.verdict === 'pass').length >= 3,
    'the scenarios done so far are in the report',
  );
  assert.ok(
    !report.scenarios.some((s) => s.verdict === 'fail' || s.verdict === 'timeout'),
    'stopping the worker made no scenario fail',
  );
  assert.deepEqual(processesWith(marker), [], 'no process the kit started is left');
});

test('SIGTERM mid-run under --faults: the relay and its worker are stopped too, exit 130, nothing left', async (t) => {
  const marker = `mf-interrupt-${randomUUID()}`;
  const result = await interruptRun(t, ['--reference', '--faults', 'delay=1ms'], 'SIGTERM', marker);
  assert.equal(result.code, 130, result.stdout + result.stderr);
  assert.ok(result.workersAtSignal >= 2, 'a relay and its worker were running when the signal came');
  assert.match(result.stdout, /^multifrost-conform: interrupted by SIGTERM after \d+ of \d+ scenarios/m);
  assert.deepEqual(processesWith(marker), [], 'no process the kit started is left');
});
