// INTEROP: the four registry implementations (TypeScript, and the Python, Go and Rust reference peers) on one
// registry directory at once. Each round plants a stale lock (a dead pid), starts one connect-mode child of
// every language together, each registering its own id, then stops them all with SIGTERM. Every child must
// register (exactly one breaks the stale lock, under its claim, MF-REG-14) and unregister, and nothing but
// services.json may be left. A peer that is not built is left out with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEER_LANGUAGES, PEERS, REPO_ROOT } from '../../peers/peers.js';
import { realClock } from '../../../src/time/real-clock.js';

const referenceWorker = join(REPO_ROOT, 'dist', 'src', 'conform', 'reference-worker.js');
const children: Array<{ name: string; argv: readonly string[] }> = [
  { name: 'typescript', argv: [process.execPath, referenceWorker] },
  ...PEER_LANGUAGES.map((language) => ({ name: language, argv: PEERS[language].child })),
];
const missing = children
  .filter((c) => c.argv.some((part) => part.includes('/') && !existsSync(part)))
  .map((c) => c.name);
const ROUNDS = 3;

async function entries(baseDir: string): Promise<Record<string, { pid: number; port: number }>> {
  try {
    return JSON.parse(await readFile(join(baseDir, 'services.json'), 'utf8')) as Record<
      string,
      { pid: number; port: number }
    >;
  } catch {
    return {};
  }
}

test(
  `four implementations released together on a stale lock, ${ROUNDS} rounds: every one registers and unregisters, nothing is left`,
  { timeout: 120_000, skip: missing.length === children.length ? 'nothing built' : false },
  async (t) => {
    const running = children.filter((c) => !missing.includes(c.name));
    if (missing.length > 0)
      t.diagnostic(`not built, left out: ${missing.join(', ')} (npm run build; node harness/peers/setup.mjs)`);
    const dir = await mkdtemp(join(tmpdir(), 'mf-interop-storm-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(dead, 'exit');
    for (let round = 0; round < ROUNDS; round++) {
      const baseDir = join(dir, `r${round}`);
      await mkdir(baseDir, { mode: 0o700 });
      await chmod(baseDir, 0o700);
      await writeFile(join(baseDir, 'services.lock'), `${dead.pid}\n`, { mode: 0o600 });
      const started: Array<{ name: string; child: ChildProcess; exited: Promise<unknown> }> = running.map(
        ({ name, argv }) => {
          const env: NodeJS.ProcessEnv = {
            ...process.env,
            MULTIFROST_HOME: baseDir,
            MULTIFROST_SERVICE_ID: `interop-${name}`,
          };
          delete env['COMLINK_ZMQ_PORT'];
          delete env['COMLINK_WORKER_MODE'];
          const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
          return { name, child, exited: once(child, 'exit') };
        },
      );
      t.after(() => started.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')));
      const deadlineMs = realClock.nowMs() + 20_000;
      let found = await entries(baseDir);
      while (started.some(({ name }) => found[`interop-${name}`] === undefined) && realClock.nowMs() < deadlineMs) {
        await realClock.sleep(50);
        found = await entries(baseDir);
      }
      for (const { name, child } of started)
        assert.equal(found[`interop-${name}`]?.pid, child.pid, `round ${round}: ${name} registered under its own pid`);
      for (const { child } of started) child.kill('SIGTERM');
      const codes = await Promise.all(started.map(({ exited }) => exited));
      assert.deepEqual(
        codes.map((c) => (c as [number | null])[0]),
        started.map(() => 0),
        `round ${round}: every child exits 0`,
      );
      assert.deepEqual(await entries(baseDir), {}, `round ${round}: every entry unregistered`);
      assert.deepEqual(
        await readdir(baseDir),
        ['services.json'],
        `round ${round}: no lock, claim or temporary file left`,
      );
    }
    t.diagnostic(`${ROUNDS} rounds, ${running.length} implementations each: ${running.map((c) => c.name).join(', ')}`);
  },
);
