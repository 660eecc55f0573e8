/**
 * Steps of parent-received.feature and the connect-mode registry-file scenarios of parent.feature: what a
 * parent does with what it must drop (decoys of the kit's child, src/conform/decoy-replies.ts) and with a
 * registry file that is not a regular file (MF-REG-15).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type DataTable, Then, When } from '@cucumber/cucumber';
import { pollFor } from '../support/connect-probe.js';
import { EXIT_AT_START_LINE } from '../../src/conform/instrumented-child.js';
import { conform, conformEqual, sameValue, show, within } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { answer, driverOf } from './driver.steps.js';

type W = ConformanceWorld;

/** What a parent may send a child (spec section 3): anything else answers something it must have dropped. */
const PARENT_TYPES = new Set(['call', 'heartbeat', 'shutdown']);

Then("the parent sent the kit's child nothing but its calls and heartbeats", function (this: W) {
  for (const entry of driverOf(this).received()) {
    const type = entry.message?.['type'];
    conform(
      entry.message !== null && PARENT_TYPES.has(String(type)) && type !== 'shutdown',
      this.clause,
      'the parent sends nothing in reply to a message it drops: only CALLs and HEARTBEATs before the stop',
      entry.message === null ? `an undecodable payload (${entry.frames} frames)` : show(entry.message),
    );
  }
});

Then('call {int} answers {string} or times out', async function (this: W, seq: number, result: string) {
  const { line } = await answer(this, seq);
  const delivered = line['ok'] === true && sameValue(line['result'], result);
  const timedOut = line['ok'] === false && line['kind'] === 'timeout';
  const shown =
    typeof line['result'] === 'string' && line['result'].length > 200
      ? `${line['result'].slice(0, 60)}... (a result of ${line['result'].length} characters)`
      : show(line);
  conform(
    delivered || timedOut,
    this.clause,
    `call ${seq} settled by its real reply (${show(result)}) or by its timeout, never by the reply it had to drop`,
    shown,
  );
});

When(
  'the kit sends the driver call {int} to {string} with a string of {int} MiB and a timeout of {int} ms',
  function (this: W, seq: number, fn: string, mib: number, timeoutMs: number) {
    // Over the 16 MiB limit by the string alone: the CALL around it only adds to it (MF-MSG-10).
    driverOf(this).send({ seq, function: fn, args: ['z'.repeat(mib * 1024 * 1024)], timeout_ms: timeoutMs });
  },
);

// ---- a result outside the portable set (MF-VAL-14) ----------------------------------------------------

Then(
  'call {int} settles well before its timeout, with this result unchanged or with an error',
  async function (this: W, seq: number, table: DataTable) {
    const expected = JSON.parse(table.raw()[0]![0]!) as unknown;
    const { line, atMs } = await answer(this, seq);
    const sentAtMs = driverOf(this).sentAtMs.get(seq) ?? atMs;
    // The driver's call timeout is the step timeout (MULTIFROST_CALL_TIMEOUT_MS): half of it is "at once".
    const promptMs = this.timeoutMs / 2;
    conform(
      line['kind'] !== 'timeout' && atMs - sentAtMs < promptMs,
      this.clause,
      `call ${seq} settled by its reply within ${promptMs} ms (its timeout is ${this.timeoutMs} ms), never left to time out`,
      `${show(line)} after ${atMs - sentAtMs} ms`,
    );
    if (line['ok'] === false) {
      conform(
        typeof line['error'] === 'string' && line['error'] !== '',
        this.clause,
        `an error that says what was refused and where`,
        show(line),
      );
      return;
    }
    conform(
      line['ok'] === true && sameValue(line['result'], expected),
      this.clause,
      `the result ${show(expected)} exactly, every map key and type kept ($map for keys that are not strings, $ext for an extension value), or an error`,
      show(line),
    );
  },
);

// ---- a child that dies before it is ready (MF-LIFE-10) ------------------------------------------------

Then(
  "the driver reports a failed start within {int} ms naming the exit status {int} and the child's stderr line",
  async function (this: W, ms: number, status: number) {
    const driver = driverOf(this);
    const failed = await driver.waitForLine((line) => line['event'] === 'start-failed', ms);
    conform(
      failed !== undefined,
      this.clause,
      `{"event":"start-failed",...} within ${ms} ms: the child exited with status ${status} before it was ready`,
      `lines: ${show(driver.lines.map((l) => l.line))}`,
      `stderr: ${driver.stderr.slice(-8).join(' | ')}`,
    );
    const error = String(failed.line['error'] ?? '');
    conform(
      new RegExp(`(^|\\D)${status}(\\D|$)`).test(error) && error.includes(EXIT_AT_START_LINE),
      this.clause,
      `the start failure names the exit status ${status} and quotes the child's stderr (${show(EXIT_AT_START_LINE)})`,
      show(error),
    );
  },
);

Then('the driver exits with status {int}', async function (this: W, code: number) {
  const driver = driverOf(this);
  const status = await within(this.clock, this.timeoutMs, driver.exited);
  conform(status !== undefined, this.clause, `the driver exits with status ${code}`, 'still running');
  conformEqual(status.code, code, this.clause, 'the driver exit status');
});

// ---- a registry file that is not a regular file (MF-REG-15) -------------------------------------------

interface KitService {
  home: string;
  serviceId: string;
}

/** Waits until the kit's child has registered its entry, and returns the path of services.json. */
async function registered(world: W): Promise<string> {
  const service = world.saved.get('service') as KitService | undefined;
  if (service === undefined) throw new Error('no service: the scenario needs "Given the kit\'s child will serve ..."');
  const path = join(service.home, 'services.json');
  const entry = await pollFor(world.clock, world.timeoutMs * 2, async () => {
    try {
      const members = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      return members[service.serviceId] === undefined ? undefined : true;
    } catch {
      return undefined;
    }
  });
  if (entry === undefined) throw new Error(`the kit's child never registered ${service.serviceId} in ${path}`);
  return path;
}

When(
  'the kit replaces services.json by a symbolic link to a copy of it, which names the live service',
  async function (this: W) {
    const path = await registered(this);
    const target = `${path}.kit-link-target`;
    copyFileSync(path, target);
    unlinkSync(path);
    symlinkSync(target, path);
    this.trace.note(`kit made ${path} a symbolic link to ${target}`);
  },
);

When('the kit replaces services.json by a FIFO', async function (this: W) {
  const path = await registered(this);
  unlinkSync(path);
  const made = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo ${path} failed: ${made.stderr || String(made.error)}`);
  this.trace.note(`kit made ${path} a FIFO`);
});

Then('the driver reports a failed start within {int} ms', async function (this: W, ms: number) {
  const driver = driverOf(this);
  const failed = await driver.waitForLine((line) => line['event'] === 'start-failed', ms);
  conform(
    failed !== undefined,
    this.clause,
    `{"event":"start-failed",...} within ${ms} ms (services.json is not a regular file: never followed nor waited on)`,
    driver.exitStatus === undefined
      ? `no such line; lines: ${show(driver.lines.map((l) => l.line))}`
      : `the driver exited (code ${String(driver.exitStatus.code)}) without it; lines: ${show(driver.lines.map((l) => l.line))}`,
    `stderr: ${driver.stderr.slice(-8).join(' | ')}`,
  );
});
