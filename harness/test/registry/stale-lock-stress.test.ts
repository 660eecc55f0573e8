// STRESS (issue 15): registrations meeting on a stale lock. A lock left by a dead pid (or one older than
// the stale age) must be broken by exactly one contender, so no registration that resolved is missing from
// services.json and no id is given to two owners. Then a holder stopped (SIGSTOP) past the stale age while
// holding the lock: its lock is broken, and when it resumes it must not write over what others wrote.
// Every count is printed as a diagnostic; the figures of docs/reliability.md come from here.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, MultifrostError } from '../../../src/errors.js';
import { ServiceRegistry } from '../../../src/registry/index.js';
import { realClock } from '../../../src/time/real-clock.js';
import { spawnScript, type Spawned } from './spawned.js';

/** A pid that certainly belonged to a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

async function scratch(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A registry directory holding only a lock left by `pid` (a stale lock when that pid is dead). */
async function homeWithLock(parent: string, name: string, pid: number): Promise<string> {
  const baseDir = join(parent, name);
  await mkdir(baseDir, { mode: 0o700 });
  await chmod(baseDir, 0o700);
  await writeFile(join(baseDir, 'services.lock'), `${pid}\n`, { mode: 0o600 });
  return baseDir;
}

async function members(baseDir: string): Promise<Record<string, { port: number; pid: number }>> {
  try {
    return JSON.parse(await readFile(join(baseDir, 'services.json'), 'utf8')) as Record<
      string,
      { port: number; pid: number }
    >;
  } catch {
    return {};
  }
}

const settle = <T>(promise: Promise<T>): Promise<{ ok: true } | { ok: false; code: string }> =>
  promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, code: error instanceof MultifrostError ? error.code : String(error) }),
  );

test(
  "two registries of one process meeting on a dead pid's lock, 200 times with distinct ids and 100 with one id: 0 lost, 0 double owners",
  { timeout: 60_000 },
  async (t) => {
    const dir = await scratch(t, 'mf-stale-race-');
    const dead = await deadPid();
    let lost = 0;
    let doubleOwners = 0;
    let failed = 0;
    for (let trial = 0; trial < 300; trial++) {
      const baseDir = await homeWithLock(dir, `t${trial}`, dead);
      // A 10 ms poll (the default is 100 ms) keeps 300 trials fast; the breaking race is the same.
      const [a, b] = [
        new ServiceRegistry({ baseDir, lockPollMs: 10 }),
        new ServiceRegistry({ baseDir, lockPollMs: 10 }),
      ];
      const sameId = trial >= 200;
      const ids = sameId ? ['alpha', 'alpha'] : ['alpha', 'beta'];
      const outcomes = await Promise.all([settle(a.register(ids[0]!, 41_000)), settle(b.register(ids[1]!, 41_001))]);
      const file = await members(baseDir);
      if (sameId) {
        const resolved = outcomes.filter((o) => o.ok).length;
        if (resolved > 1) doubleOwners++;
        if (resolved === 0 || file['alpha'] === undefined) lost++;
        failed += outcomes.filter((o) => !o.ok && o.code !== ErrorCode.ALREADY_REGISTERED).length;
      } else {
        outcomes.forEach((o, i) => {
          if (!o.ok) failed++;
          else if (file[ids[i]!] === undefined) lost++;
        });
      }
    }
    t.diagnostic(
      `two-registries race: lost ${lost}, double owners ${doubleOwners}, failed ${failed} (200 trials with two ids, 100 with one)`,
    );
    assert.deepEqual({ lost, doubleOwners, failed }, { lost: 0, doubleOwners: 0, failed: 0 });
  },
);

test(
  "a storm of 2 to 16 processes released together on a dead pid's lock, distinct ids and one id: 0 lost, 0 double owners",
  { timeout: 90_000 },
  async (t) => {
    const dir = await scratch(t, 'mf-stale-storm-');
    const workers: Spawned[] = [];
    for (let i = 0; i < 16; i++) workers.push(spawnScript(t, 'storm-worker.ts', []));
    const dead = await deadPid();
    let registrations = 0;
    let lost = 0;
    let doubleOwners = 0;
    let failed = 0;
    let round = 0;
    for (let repeat = 0; repeat < 3; repeat++) {
      for (const size of [2, 4, 8, 16]) {
        for (const sameId of [false, true]) {
          const baseDir = await homeWithLock(dir, `r${round++}`, dead);
          const crew = workers.slice(0, size);
          for (const [i, worker] of crew.entries())
            worker.child.stdin!.write(
              `${JSON.stringify({ cmd: 'prepare', baseDir, id: sameId ? 'shared' : `svc-${i}`, port: 42_000 + i })}\n`,
            );
          await Promise.all(crew.map((w) => w.message('prepared')));
          for (const worker of crew) worker.child.stdin!.write('{"cmd":"go"}\n');
          const results = (await Promise.all(crew.map((w) => w.message('result')))) as Array<{
            ok: boolean;
            code?: string;
            pid: number;
          }>;
          const file = await members(baseDir);
          if (sameId) {
            const owners = results.filter((r) => r.ok);
            if (owners.length > 1) doubleOwners++;
            if (owners.length === 0 || file['shared']?.pid !== owners[0]?.pid) lost++;
            failed += results.filter((r) => !r.ok && r.code !== ErrorCode.ALREADY_REGISTERED).length;
          } else {
            results.forEach((r, i) => {
              registrations++;
              if (!r.ok) failed++;
              else if (file[`svc-${i}`]?.pid !== r.pid) lost++;
            });
          }
          const left = (await readdir(baseDir)).filter((name) => name !== 'services.json');
          assert.deepEqual(
            left,
            [],
            `round ${round}: nothing but services.json is left (no lock, temporary file or claim)`,
          );
        }
      }
    }
    t.diagnostic(
      `storm: ${registrations} distinct-id registrations, lost ${lost}, double owners ${doubleOwners} (12 same-id rounds), failed ${failed}`,
    );
    for (const worker of workers) worker.child.stdin!.end();
    await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual({ lost, doubleOwners, failed }, { lost: 0, doubleOwners: 0, failed: 0 });
  },
);

test(
  'a holder stopped (SIGSTOP) past the stale age while holding the lock writes nothing over the others: 0 lost entries',
  { timeout: 60_000 },
  async (t) => {
    const dir = await scratch(t, 'mf-stalled-');
    const staleMs = 700;
    let lostEntries = 0;
    let stalledLost = 0;
    for (let trial = 0; trial < 2; trial++) {
      const baseDir = join(dir, `s${trial}`);
      const holder = spawnScript(t, 'stalled-holder.ts', [baseDir, 'stalled', '43000', String(staleMs)]);
      await holder.message('holding');
      holder.child.kill('SIGSTOP');
      // While it is stopped, three others register; they break its lock once it is staleMs old.
      const others = ['a', 'b', 'c'].map((id, i) =>
        new ServiceRegistry({ baseDir, lockStaleMs: staleMs }).register(id, 43_001 + i),
      );
      const started = realClock.nowMs();
      await Promise.all(others);
      t.diagnostic(
        `trial ${trial}: the others registered ${Math.round(realClock.nowMs() - started)} ms after the stop`,
      );
      await realClock.sleep(staleMs * 0.2);
      holder.child.kill('SIGCONT');
      const result = (await holder.message('result')) as { ok: boolean; code?: string };
      const file = await members(baseDir);
      for (const id of ['a', 'b', 'c']) if (file[id] === undefined) lostEntries++;
      if (result.ok && file['stalled']?.pid !== holder.pid) stalledLost++;
      if (!result.ok) t.diagnostic(`trial ${trial}: the stalled holder's registration failed with ${result.code}`);
      holder.child.stdin!.end();
      await holder.exited;
    }
    t.diagnostic(
      `SIGSTOP: lost entries of the others ${lostEntries}, resolved-but-missing stalled registrations ${stalledLost}`,
    );
    assert.deepEqual({ lostEntries, stalledLost }, { lostEntries: 0, stalledLost: 0 });
  },
);
