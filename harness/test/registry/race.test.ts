// RACE: 8 real processes, 200 random register/discover/unregister operations each, on one registry directory
// at the same time. Afterwards the file is valid JSON holding exactly the entries still registered, and no
// operation failed except with MF_ALREADY_REGISTERED.
import { realClock } from '../../../src/time/real-clock.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnScript, type Spawned } from './spawned.js';

const WORKERS = 8;
const OPERATIONS = 200;

interface Done {
  pid: number;
  port: number;
  held: string[];
  failures: string[];
  counts: Record<string, number>;
}

test(
  'MF-REG-3, MF-REG-6, MF-REG-8, MF-REG-9: 8 processes x 200 operations on one registry keep it exact and valid',
  { timeout: 60_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-registry-race-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const baseDir = join(dir, '.multifrost');
    const seed = Number(process.env['REGISTRY_RACE_SEED'] ?? realClock.epochMs() % 1_000_000);
    t.diagnostic(`seed ${seed} (replay with REGISTRY_RACE_SEED=${seed})`);
    const workers: Spawned[] = [];
    for (let i = 0; i < WORKERS; i++)
      workers.push(
        spawnScript(t, 'race-worker.ts', [
          baseDir,
          String(i),
          String(OPERATIONS),
          String(seed + i),
          ...(process.env['REGISTRY_RACE_POLL_MS'] === undefined ? [] : [process.env['REGISTRY_RACE_POLL_MS']]),
        ]),
      );
    await Promise.all(workers.map((w) => w.message('ready')));
    const started = realClock.nowMs();
    for (const worker of workers) worker.child.stdin?.write('go\n');
    const results = (await Promise.all(workers.map((w) => w.message('done')))) as unknown as Done[];
    t.diagnostic(`operations took ${Math.round(realClock.nowMs() - started)} ms`);

    for (const result of results) assert.deepEqual(result.failures, [], `worker pid ${result.pid} saw failures`);
    const totals: Record<string, number> = {};
    for (const result of results)
      for (const [key, value] of Object.entries(result.counts)) totals[key] = (totals[key] ?? 0) + value;
    t.diagnostic(`totals ${JSON.stringify(totals)}`);
    assert.ok((totals['refused'] ?? 0) > 0, 'the pool is small enough that some registrations collide');

    // Read while every worker is still alive, so each held entry is a live registration.
    const text = await readFile(join(baseDir, 'services.json'), 'utf8');
    const file = JSON.parse(text) as Record<string, { port: number; pid: number; started: string }>;
    const expected: Record<string, { port: number; pid: number }> = {};
    for (const result of results) {
      for (const id of result.held) {
        assert.equal(expected[id], undefined, `${id} held by two live processes`);
        expected[id] = { port: result.port, pid: result.pid };
      }
    }
    const actual = Object.fromEntries(
      Object.entries(file).map(([id, entry]) => [id, { port: entry.port, pid: entry.pid }]),
    );
    assert.deepEqual(actual, expected);
    assert.deepEqual((await readdir(baseDir)).sort(), ['services.json'], 'no lock and no temporary file left behind');

    for (const worker of workers) worker.child.stdin?.end();
    await Promise.all(workers.map((w) => w.exited));
    for (const worker of workers) assert.equal(worker.child.exitCode, 0, worker.stderr());
  },
);
