// Process-level behaviour of ParentWorker and ChildWorker over real ZeroMQ with real processes: spawn,
// ready without sleeps, calls, output, crash detection, restart, the stop sequence and orphans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { RemoteCallError, SpawnError, WorkerStoppedError } from '../../../src/errors.js';
import type { WorkerEvent } from '../../../src/worker/parent/events.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const referenceWorker = `${root}src/conform/reference-worker.ts`;
const script = (name: string): string => fileURLToPath(new URL(`./scripts/${name}`, import.meta.url));

interface ConformanceApi {
  add(a: number, b: number): number;
  echo(value: unknown): unknown;
  fail(message: string): never;
  nothing(): void;
  sleep(ms: number): number;
  pid(): number;
  crash(code: number): void;
  write_stdout(text: string): void;
  write_stderr(text: string): void;
  shout(text: string): string;
  ping(): string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes in a process group (Linux /proc). */
async function groupMembers(pgid: number): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

type Output = Array<[string, string]>;

function spawnWorker(
  path: string,
  options: Parameters<typeof ParentWorker.spawn>[2] = {},
  t?: { after(fn: () => Promise<void>): void },
) {
  const output: Output = [];
  const events: WorkerEvent[] = [];
  const worker = ParentWorker.spawn<ConformanceApi>(path, undefined, {
    outputSink: (stream, text) => void output.push([stream, text]),
    heartbeatIntervalMs: 0,
    ...options,
  });
  worker.on((event) => void events.push(event));
  t?.after(() => worker.stop());
  return { worker, output, events };
}

test('spawns the reference worker, serves calls, and stop() leaves no process behind', async (t) => {
  const { worker } = spawnWorker(referenceWorker, {}, t);
  await worker.start();
  const pid = worker.pid!;
  assert.equal(await worker.call.add(1, 2), 3);
  assert.deepEqual(await worker.call.echo({ a: [1, 'x', null], b: true }), { a: [1, 'x', null], b: true });
  assert.equal(await worker.call.nothing(), null);
  const error = await worker.call.fail('bad input').catch((e: unknown) => e);
  assert.ok(error instanceof RemoteCallError);
  assert.equal(error.message, 'bad input');
  assert.match(error.remoteStack ?? '', /fail/);
  assert.equal(error.mayHaveRun, true);
  assert.equal(await worker.call.pid(), pid);
  const started = performance.now();
  await worker.stop();
  assert.ok(performance.now() - started < 1000, 'a cooperative child stops within the grace period');
  assert.equal(isAlive(pid), false);
  assert.deepEqual(await groupMembers(pid), []);
});

test('MF-LIFE-10: a child that exits during start-up gives a SpawnError with its exit code and stderr tail', async (t) => {
  const { worker } = spawnWorker(script('exits-early.mjs'), {}, t);
  const error = await worker.start().catch((e: unknown) => e);
  assert.ok(error instanceof SpawnError, String(error));
  assert.equal(error.exitCode, 3);
  assert.match(error.stderrTail, /boom: cannot load configuration/);
});

test('MF-OUT-1: console.* and process.stdout writes in the child reach the parent sink', async (t) => {
  const { worker, output } = spawnWorker(script('console-worker.ts'), {}, t);
  await worker.start();
  assert.equal(await worker.call.shout('hi'), 'hi');
  await worker.stop();
  const forwarded = output.filter(([, text]) => text.includes('hi'));
  assert.deepEqual(
    forwarded.filter(([, text]) => !text.startsWith('INFO')),
    [
      ['stdout', 'log: hi'],
      ['stderr', 'error: hi'],
      ['stdout', 'raw: hi'],
    ],
  );
});

test('MF-LIFE-8: a crash rejects the pending call at once, saying it may have run', async (t) => {
  const { worker, events } = spawnWorker(referenceWorker, {}, t);
  await worker.start();
  const slow = worker.call.sleep(60_000).catch((e: unknown) => e);
  await worker.call.crash(9).catch(() => undefined);
  const error = await slow;
  assert.ok(error instanceof WorkerStoppedError);
  assert.equal(error.mayHaveRun, true);
  assert.ok(events.some((e) => e.type === 'child-exited' && e.code === 9));
  const after = await worker.call.add(1, 1).catch((e: unknown) => e);
  assert.ok(after instanceof WorkerStoppedError);
  assert.equal(after.mayHaveRun, false);
});

test('MF-LIFE-9: with autoRestart the child is respawned and serves again', async (t) => {
  const { worker, events } = spawnWorker(referenceWorker, { autoRestart: true, restartBackoffMs: 10 }, t);
  await worker.start();
  const firstPid = await worker.call.pid();
  await worker.call.crash(1).catch(() => undefined);
  const restarted = new Promise<void>((resolve) => worker.on((e) => e.type === 'restarted' && resolve()));
  await restarted;
  const secondPid = await worker.call.pid();
  assert.notEqual(secondPid, firstPid);
  assert.equal(await worker.call.add(2, 3), 5);
  assert.ok(events.some((e) => e.type === 'restarting' && e.attempt === 1));
});

test('MF-LIFE-4: stop() escalates SHUTDOWN -> SIGTERM -> SIGKILL for a child that ignores both', async (t) => {
  const { worker } = spawnWorker(script('stubborn-worker.ts'), { stopGraceMs: 200, stopTermMs: 200 }, t);
  await worker.start();
  assert.equal(await worker.call.ping(), 'pong');
  const pid = worker.pid!;
  const started = performance.now();
  await worker.stop();
  assert.ok(performance.now() - started >= 400);
  assert.equal(isAlive(pid), false);
});

test('MF-LIFE-4: a shell wrapper and its stragglers leave no orphan', async (t) => {
  const { worker } = spawnWorker(script('wrapper.sh'), {}, t);
  await worker.start();
  assert.equal(await worker.call.add(20, 22), 42);
  const pgid = worker.pid!;
  assert.ok((await groupMembers(pgid)).length >= 3, 'sh, sleep and node share the group');
  await worker.stop();
  assert.deepEqual(await groupMembers(pgid), []);
});

test('MF-LIFE-2: a child given a bad COMLINK_ZMQ_PORT exits 1 with a FATAL line', async () => {
  const { spawnSync } = await import('node:child_process');
  for (const port of ['80', 'abc', '70000', '']) {
    const result = spawnSync(process.execPath, ['--import', 'tsx', referenceWorker], {
      env: { ...process.env, COMLINK_ZMQ_PORT: port },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1, `port '${port}': ${result.stderr}`);
    assert.match(result.stderr, /^FATAL: /m);
  }
});

test('MF-LIFE-12: connect mode end to end with the file registry: register, discover, call, SIGTERM unregisters', async (t) => {
  const { mkdtempSync, readFileSync, rmSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const home = mkdtempSync(`${tmpdir()}/mf-home-`);
  const previousHome = process.env['MULTIFROST_HOME'];
  process.env['MULTIFROST_HOME'] = home;
  const service = spawn(process.execPath, ['--import', 'tsx', referenceWorker], {
    env: { ...process.env, MULTIFROST_SERVICE_ID: 'e2e-math', MULTIFROST_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
  t.after(async () => {
    if (service.exitCode === null) service.kill('SIGKILL');
    await exited;
    if (previousHome === undefined) delete process.env['MULTIFROST_HOME'];
    else process.env['MULTIFROST_HOME'] = previousHome;
    rmSync(home, { recursive: true, force: true });
  });
  const worker = await ParentWorker.connect<ConformanceApi>('e2e-math', {
    discoverTimeoutMs: 20_000,
    heartbeatIntervalMs: 0,
  });
  await worker.start();
  assert.equal(await worker.call.add(40, 2), 42);
  assert.equal(await worker.call.pid(), service.pid);
  await worker.stop();
  const registry = JSON.parse(readFileSync(`${home}/services.json`, 'utf8')) as Record<
    string,
    { port: number; pid: number }
  >;
  assert.equal(registry['e2e-math']?.pid, service.pid);
  assert.equal(statSync(home).mode & 0o777, 0o700);
  assert.equal(statSync(`${home}/services.json`).mode & 0o777, 0o600);
  service.kill('SIGTERM');
  assert.equal(await exited, 0);
  const after = JSON.parse(readFileSync(`${home}/services.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(after['e2e-math'], undefined);
});
