// `bindHost: '::1'`: a connect-mode ChildWorker serves on the IPv6 loopback, and a ParentWorker with
// `connectHost: '::1'` calls it over real ZeroMQ.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChildWorker } from '../../../src/worker/child/child-worker.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';

class V6Worker extends ChildWorker {
  add(a: number, b: number): number {
    return a + b;
  }
}

test("bindHost '::1': a connect-mode child serves on the IPv6 loopback", async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'mf-v6-'));
  const previousHome = process.env['MULTIFROST_HOME'];
  process.env['MULTIFROST_HOME'] = home;
  t.after(async () => {
    if (previousHome === undefined) delete process.env['MULTIFROST_HOME'];
    else process.env['MULTIFROST_HOME'] = previousHome;
    await rm(home, { recursive: true, force: true });
  });
  const child = new V6Worker({ serviceId: 'v6', bindHost: '::1' });
  t.after(() => child.stop());
  await child.start();
  const entry = JSON.parse(await readFile(join(home, 'services.json'), 'utf8'))['v6'];
  assert.equal(typeof entry?.port, 'number');

  const parent = ParentWorker.connectToPort<{ add(a: number, b: number): number }>(entry.port, {
    connectHost: '::1',
    heartbeatIntervalMs: 0,
    defaultTimeoutMs: 10_000,
  });
  t.after(() => parent.stop());
  await parent.start();
  assert.equal(await parent.call.add(40, 2), 42);
});
