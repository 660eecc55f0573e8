/**
 * Steps of parent.feature: a parent implementation checked from outside, through its driver (spec section
 * 14). The driver spawns (or connects to) the kit's instrumented child, which logs what it receives and
 * provokes on cue; the steps read the driver's lines and the child's log. The same steps check the TypeScript
 * driver (target `reference`) and a foreign one (`--role parent -- <driver>`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { MISBEHAVE_ENV } from '../../src/conform/instrumented-child.js';
import { KIT_PROVOKE_ENV } from '../../src/conform/kit-child-observer.js';
import { TYPESCRIPT_DRIVER_CAPABILITIES } from '../../src/conform/parent-driver.js';
import { referenceWorkerPath } from '../../src/conform/reference-worker.js';
import { PROFILES } from '../../src/protocol/profile.js';
import { resolveWorkerCommand } from '../../src/worker/parent/command.js';
import { DriverSession, type ChildObservation, type DriverLine } from '../support/driver-session.js';
import { pollFor } from '../support/connect-probe.js';
import { conform, conformEqual, sameValue, show, within } from '../support/expect.js';
import { referenceArgv } from '../support/reference-command.js';
import type { ConformanceWorld } from '../support/world.js';

type W = ConformanceWorld;

/** Shells a parent must not put between itself and the child (MF-LIFE-1). */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'busybox']);

/** Variables of the driver contract a scenario may set; every other MULTIFROST_* of the kit's own environment is removed. */
const CONTRACT_PREFIXES = ['MULTIFROST_', 'COMLINK_'];

export function driverOf(world: W): DriverSession {
  const driver = world.saved.get('driver') as DriverSession | undefined;
  if (driver === undefined) throw new Error('no driver: the scenario needs a "Given the parent driver runs ..." step');
  return driver;
}

/** The kit's instrumented child (compiled when fresh, like the reference worker). */
export function kitChildArgv(): string[] {
  const reference = referenceArgv();
  const script = reference[reference.length - 1]!;
  const resolved = resolveWorkerCommand(script.replace(/reference-worker\.(ts|js)$/, 'instrumented-child.$1'));
  return [resolved.command, ...resolved.args];
}

/** The driver under test: a foreign one (`parent-driver` target) or the TypeScript driver. */
function driverArgv(world: W): string[] {
  const target = world.params.target;
  if (target.kind === 'parent-driver') return target.argv;
  const driver = resolveWorkerCommand(referenceWorkerPath.replace(/reference-worker\.(ts|js)$/, 'parent-driver.$1'));
  return [driver.command, ...driver.args];
}

/** Capabilities known before the driver starts: the CLI probed them, or the driver is ours. */
function knownCapabilities(world: W): readonly string[] | undefined {
  if (world.params.capabilities !== undefined) return world.params.capabilities;
  return world.params.target.kind === 'parent-driver' ? undefined : TYPESCRIPT_DRIVER_CAPABILITIES;
}

function skipUnlessDriverCanRun(world: W): 'skipped' | undefined {
  if (world.params.transport !== 'zmq')
    return world.skip('a parent driver is a real program: this scenario runs on real ZeroMQ (profile zmq)');
  if (world.params.target.kind === 'service')
    return world.skip('a service target is a child; this scenario checks a parent');
  return undefined;
}

function required(world: W): string[] {
  const list = (world.saved.get('capabilities') as string[] | undefined) ?? [];
  world.saved.set('capabilities', list);
  return list;
}

function driverEnv(world: W): Record<string, string> {
  const env = (world.saved.get('driverEnv') as Record<string, string> | undefined) ?? {};
  world.saved.set('driverEnv', env);
  return env;
}

Given('the parent driver has the capability {string}', function (this: W, capability: string) {
  const skipped = skipUnlessDriverCanRun(this);
  if (skipped !== undefined) return skipped;
  const known = knownCapabilities(this);
  if (known !== undefined && !known.includes(capability))
    return this.skip(
      `the driver does not declare the capability "${capability}" (its hello line lists ${show(known)})`,
    );
  required(this).push(capability);
  return undefined;
});

Given("the driver's environment sets", function (this: W, table: DataTable) {
  Object.assign(driverEnv(this), Object.fromEntries(table.raw().map(([name, value]) => [name!, value ?? ''])));
});

/** Starts the driver with the kit's child, waits for its hello line and checks the capabilities needed. */
async function startDriver(
  world: W,
  childEnv: Record<string, string>,
  spawnChild = true,
): Promise<'skipped' | undefined> {
  const skipped = skipUnlessDriverCanRun(world);
  if (skipped !== undefined) return skipped;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONTRACT_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  const target = world.params.target;
  const childArgv =
    target.kind === 'parent-driver' && target.childArgv !== undefined ? target.childArgv : kitChildArgv();
  if (spawnChild) env['MULTIFROST_CHILD_COMMAND'] = JSON.stringify(childArgv);
  env['MULTIFROST_PROFILE'] = world.params.profile;
  env['MULTIFROST_CALL_TIMEOUT_MS'] = String(world.timeoutMs);
  Object.assign(env, driverEnv(world), childEnv);
  const argv = driverArgv(world);
  const driver = new DriverSession({ argv, env }, world.clock, (text) => world.trace.note(text));
  world.saved.set('driver', driver);
  world.saved.set('childArgv', childArgv);
  world.track({
    role: 'driver',
    argv,
    pid: driver.pid,
    exit: () => driver.exitStatus,
    stderr: () => driver.stderr,
    stdout: () => driver.stdout,
  });
  world.defer(() => driver.release());
  const settings = Object.entries(childEnv)
    .concat(Object.entries(driverEnv(world)))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  world.trace.note(
    `started driver ${argv.join(' ')} (pid ${driver.pid ?? '?'}), child ${childArgv.join(' ')}${settings === '' ? '' : ` with ${settings}`}`,
  );
  const hello = await driver.waitForLine(() => true, world.timeoutMs * 2);
  conform(
    hello !== undefined,
    'MF-DRV-2',
    'the hello line {"event":"hello","capabilities":[...]} as the driver\'s first line',
    driver.exitStatus === undefined
      ? `nothing within ${world.timeoutMs * 2} ms`
      : `the driver exited (code ${String(driver.exitStatus.code)}, signal ${String(driver.exitStatus.signal)}) without a line`,
    `stderr: ${driver.stderr.slice(-8).join(' | ')}`,
  );
  const capabilities = hello.line['capabilities'];
  conform(
    hello.line['event'] === 'hello' && Array.isArray(capabilities),
    'MF-DRV-2',
    'a first line {"event":"hello","capabilities":[...]}',
    show(hello.line),
  );
  for (const capability of required(world)) {
    if (!(capabilities as unknown[]).includes(capability))
      return world.skip(
        `the driver does not declare the capability "${capability}" (its hello line lists ${show(capabilities)})`,
      );
  }
  return undefined;
}

Given("the parent driver runs the kit's child", function (this: W) {
  return startDriver(this, {});
});

Given("the parent driver runs the kit's child provoked with {string}", function (this: W, provoke: string) {
  return startDriver(this, { [KIT_PROVOKE_ENV]: provoke });
});

Given("the parent driver runs the kit's child misbehaving as {string}", function (this: W, misbehave: string) {
  return startDriver(this, { [MISBEHAVE_ENV]: misbehave });
});

// ---- calls and stop ------------------------------------------------------------------------------------

function callLine(row: Record<string, string>): Record<string, unknown> {
  const optional = (name: string, parse: (text: string) => unknown): Record<string, unknown> =>
    row[name] === undefined || row[name] === '' ? {} : { [name]: parse(row[name]!) };
  return {
    seq: Number(row['seq']),
    function: row['function'],
    ...(row['args'] === '<none>' ? {} : { args: JSON.parse(row['args'] ?? '[]') as unknown }),
    ...optional('timeout_ms', Number),
    ...optional('namespace', String),
  };
}

/** The calls sent to the driver, by seq (the value checks compare the wire with what was asked). */
export function sentCalls(world: W): Map<number, Record<string, unknown>> {
  let sent = world.saved.get('sentCalls') as Map<number, Record<string, unknown>> | undefined;
  if (sent === undefined) world.saved.set('sentCalls', (sent = new Map()));
  return sent;
}

When('the kit sends the driver the calls', function (this: W, table: DataTable) {
  const driver = driverOf(this);
  for (const row of table.hashes()) {
    const line = callLine(row);
    sentCalls(this).set(line['seq'] as number, line);
    driver.send(line);
  }
});

When('the kit sends the driver the call', function (this: W, table: DataTable) {
  const driver = driverOf(this);
  for (const row of table.hashes()) driver.send(callLine(row));
});

When('the kit tells the driver to stop', function (this: W) {
  driverOf(this).send({ op: 'stop' });
});

When('the kit tells the driver to stop at once', function (this: W) {
  driverOf(this).send({ op: 'stop', drain: false });
});

/** Waits for the line answering `seq`. */
export async function answer(
  world: W,
  seq: number,
  timeoutMs = world.timeoutMs * 3,
  clause = world.clauseOr('MF-DRV-1'),
): Promise<DriverLine> {
  const driver = driverOf(world);
  const found = await driver.waitForLine((line) => line['seq'] === seq && 'ok' in line, timeoutMs);
  conform(
    found !== undefined,
    clause,
    `a line answering call ${seq}`,
    driver.exitStatus === undefined
      ? `none within ${timeoutMs} ms; lines: ${show(driver.lines.map((l) => l.line))}`
      : `the driver exited (code ${String(driver.exitStatus.code)}) first; lines: ${show(driver.lines.map((l) => l.line))}`,
    `stderr: ${driver.stderr.slice(-8).join(' | ')}`,
  );
  return found;
}

/**
 * The clause an unexpected answer breaks, when the scenario cites it: a circuit-open refusal before the breaker
 * ever opened (it starts closed), a call that should have been refused at once, or a call that should have
 * timed out but was settled by some reply (one with an unknown id); else the scenario's first clause.
 */
function answerClause(world: W, kind: string | undefined, line: Record<string, unknown>): string {
  const openedBefore = driverOf(world)
    .events('breaker')
    .some((l) => l.line['state'] === 'open');
  if (line['kind'] === 'circuit-open' && kind !== 'circuit-open' && !openedBefore) return world.clauseOr('MF-CB-1');
  if (kind === 'circuit-open') return world.clauseOr('MF-CB-4');
  if (kind === 'timeout' && line['ok'] === true) return world.clauseOr('MF-CALL-12');
  return world.clauseOr('MF-DRV-1');
}

When('the driver has answered call {int}', async function (this: W, seq: number) {
  await answer(this, seq);
});

Then('the driver answers', async function (this: W, table: DataTable) {
  for (const row of table.hashes()) {
    const seq = Number(row['seq']);
    // An expected timeout that never comes is the parent's timeout not applied (when the scenario cites it).
    const { line } = await answer(
      this,
      seq,
      undefined,
      row['kind'] === 'timeout' ? this.clauseOr('MF-CALL-13') : this.clauseOr('MF-DRV-1'),
    );
    const clause = answerClause(this, row['kind'], line);
    const expectOk = row['ok'] === 'true';
    conform(
      line['ok'] === expectOk,
      clause,
      `call ${seq} ${expectOk ? 'succeeds' : 'fails'}${row['kind'] ? ` (kind ${row['kind']})` : ''}`,
      show(line),
    );
    if (row['result'] !== undefined && row['result'] !== '')
      conform(
        sameValue(line['result'], JSON.parse(row['result'])),
        clause,
        `result of call ${seq}: ${row['result']}`,
        show(line['result']),
      );
    if (row['kind'] !== undefined && row['kind'].startsWith('not '))
      conform(line['kind'] !== row['kind'].slice(4), clause, `kind of call ${seq}: ${row['kind']}`, show(line));
    else if (row['kind'] !== undefined && row['kind'] !== '')
      conformEqual(line['kind'], row['kind'], clause, `kind of call ${seq}, in ${show(line)}`);
  }
});

Then('the driver prints the stopped event and exits with status {int}', async function (this: W, code: number) {
  const driver = driverOf(this);
  const stopped = await driver.waitForLine((line) => line['event'] === 'stopped', this.timeoutMs * 3);
  conform(
    stopped !== undefined,
    'MF-DRV-1',
    '{"event": "stopped"} after the stop sequence',
    show(driver.lines.map((l) => l.line)),
    `stderr: ${driver.stderr.slice(-8).join(' | ')}`,
  );
  const status = await within(this.clock, this.timeoutMs, driver.exited);
  conform(status !== undefined, 'MF-DRV-1', `the driver exits with status ${code} after "stopped"`, 'still running');
  conformEqual(status.code, code, 'MF-DRV-1', 'the driver exit status after "stopped"');
});

Then('every call was answered exactly once', function (this: W) {
  const driver = driverOf(this);
  const seqs = driver.lines.filter((l) => 'ok' in l.line).map((l) => l.line['seq']);
  const repeated = seqs.filter((seq, i) => seqs.indexOf(seq) !== i);
  conform(
    repeated.length === 0,
    this.clauseOr('MF-CALL-12'),
    'one line per call (every call settles exactly once)',
    `calls answered more than once: ${show(repeated)}; lines: ${show(driver.lines.map((l) => l.line))}`,
  );
});

Then(
  "call {int} was answered within {int} ms of the kit's child exiting",
  async function (this: W, seq: number, ms: number) {
    const driver = driverOf(this);
    const exit = await driver.waitForObservation((log) => log.find((o) => o.event === 'exit'), this.timeoutMs);
    conform(exit !== undefined, this.clauseOr('MF-LIFE-8'), "the kit's child exits (provoked)", 'it did not exit');
    const { line, atEpochMs } = await answer(this, seq);
    conform(
      line['ok'] === false && line['kind'] !== 'timeout',
      this.clauseOr('MF-LIFE-8'),
      `call ${seq} rejected because the child exited (not a timeout)`,
      show(line),
    );
    conform(
      atEpochMs - exit.t <= ms,
      this.clauseOr('MF-LIFE-8'),
      `the rejection within ${ms} ms of the exit (process exit event, not a timeout)`,
      `${atEpochMs - exit.t} ms after it`,
    );
  },
);

// ---- what the kit's child saw ---------------------------------------------------------------------------

type Received = ReturnType<DriverSession['received']>[number];

async function receivedCall(
  world: W,
  fn: string,
  clause: string,
): Promise<Received & { message: Record<string, unknown> }> {
  const driver = driverOf(world);
  const found = await driver.waitForObservation(
    (log) =>
      log.find(
        (o) =>
          o.event === 'recv' &&
          (o as Received).message?.['type'] === 'call' &&
          (o as Received).message?.['function'] === fn,
      ) as Received | undefined,
    world.timeoutMs,
  );
  conform(
    found !== undefined && found.message !== null,
    clause,
    `the kit's child receives a CALL to ${show(fn)}`,
    `messages received: ${show(driver.received().map((r) => r.message))}`,
  );
  return found as Received & { message: Record<string, unknown> };
}

Then(
  "every message the kit's child received had 3 frames, an empty delimiter and the app id of the profile",
  function (this: W) {
    const received = driverOf(this).received();
    conform(received.length > 0, 'MF-FRAME-1', 'messages from the parent', 'none');
    const app = PROFILES[this.params.profile].app;
    for (const entry of received) {
      conform(
        entry.frames === 3 && entry.delimiterEmpty,
        'MF-FRAME-1',
        'the ROUTER sees [routing id, empty, payload] (the parent sent [empty, payload])',
        `${entry.frames} frames, delimiter empty: ${String(entry.delimiterEmpty)}`,
        show(entry.message),
      );
      // An app id of no profile misspells the profile's (MF-PROF-1); the other profile's breaks the one-profile rule.
      const known = Object.values(PROFILES).some((p) => p.app === entry.message?.['app']);
      conform(
        entry.message?.['app'] === app,
        known ? 'MF-PROF-2' : this.clauseOr('MF-PROF-1'),
        `app ${show(app)} on every message (profile ${this.params.profile})`,
        show(entry.message),
      );
    }
  },
);

Then("every message the kit's child received carries the core fields", function (this: W) {
  for (const { message, t } of driverOf(this).received()) {
    conform(message !== null, 'MF-MSG-2', 'a msgpack map', 'an undecodable payload');
    conform(
      typeof message['id'] === 'string' && message['id'] !== '',
      'MF-MSG-2',
      '"id": a non-empty string',
      show(message),
    );
    conform(
      ['call', 'heartbeat', 'shutdown'].includes(String(message['type'])),
      'MF-MSG-3',
      'a parent sends call, heartbeat or shutdown',
      show(message['type']),
    );
    const timestamp = message['timestamp'];
    conform(
      typeof timestamp === 'number' && Math.abs(timestamp - t / 1000) < 3_600,
      'MF-MSG-2',
      `"timestamp" in epoch seconds (near ${(t / 1000).toFixed(0)})`,
      show(timestamp),
    );
  }
});

Then(
  "the kit's child received the CALL to {string} with args {json}",
  async function (this: W, fn: string, args: unknown) {
    const call = await receivedCall(this, fn, this.clauseOr('MF-CALL-1'));
    conform(
      Array.isArray(call.message['args']),
      'MF-CALL-1',
      '"args": an array (empty when there are none)',
      show(call.message['args']),
      show(call.message),
    );
    conform(
      sameValue(call.message['args'], args),
      this.clauseOr('MF-CALL-14'),
      `args ${show(args)}, positional and in order`,
      show(call.message['args']),
    );
  },
);

Then(
  "every CALL the kit's child received carries {string} = {string} and none carries {string}",
  function (this: W, key: string, value: string, wrongKey: string) {
    const calls = driverOf(this)
      .received()
      .filter((r) => r.message?.['type'] === 'call');
    conform(calls.length > 0, 'MF-MSG-7', 'CALLs from the parent', 'none');
    for (const { message } of calls) {
      conform(
        !Object.hasOwn(message!, wrongKey),
        'MF-MSG-7',
        `the client name under the wire key "${key}", never "${wrongKey}"`,
        show(message),
      );
      conform(message![key] === value, 'MF-MSG-7', `"${key}": ${show(value)}`, show(message));
    }
  },
);

Then(
  "the kit's child received the CALL to {string} with namespace {string}",
  async function (this: W, fn: string, namespace: string) {
    const call = await receivedCall(this, fn, 'MF-CALL-1');
    conformEqual(
      call.message['namespace'],
      namespace,
      'MF-CALL-1',
      'the CALL carries the namespace the call asked for',
    );
  },
);

Then("the kit's child never received a CALL to {string}", function (this: W, fn: string) {
  const calls = driverOf(this)
    .received()
    .filter((r) => r.message?.['type'] === 'call' && r.message['function'] === fn);
  conform(
    calls.length === 0,
    this.clauseOr('MF-CB-4'),
    `no CALL to ${show(fn)} reached the child (refused unsent)`,
    show(calls.map((c) => c.message)),
  );
});

// ---- spawn contract -------------------------------------------------------------------------------------

/** The local address of the listening TCP socket on `port`, from /proc/net/tcp and tcp6. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      const [address, portHex] = (fields[1] ?? '').split(':');
      if (fields[3] === '0A' && portHex !== undefined && parseInt(portHex, 16) === port) found.push(address!);
    }
  }
  return found;
}

function startRecord(log: ChildObservation[]): ChildObservation | undefined {
  return log.find((o) => o.event === 'start');
}

Then(
  "the kit's child was started with COMLINK_ZMQ_PORT and COMLINK_WORKER_MODE=1, and connected to that port on 127.0.0.1",
  async function (this: W) {
    const driver = driverOf(this);
    const connected = await driver.waitForObservation(
      (log) => log.find((o) => o.event === 'connected'),
      this.timeoutMs,
    );
    const start = startRecord(driver.observations());
    conform(
      start !== undefined && connected !== undefined,
      'MF-LIFE-1',
      "the kit's child starts and connects",
      show(driver.observations().slice(0, 3)),
    );
    const env = start['env'] as Record<string, string | null>;
    const port = Number(env['COMLINK_ZMQ_PORT']);
    conform(
      Number.isInteger(port) && port >= 1024 && port <= 65535,
      'MF-LIFE-1',
      'COMLINK_ZMQ_PORT: an integer port',
      show(env['COMLINK_ZMQ_PORT']),
    );
    conformEqual(env['COMLINK_WORKER_MODE'], '1', 'MF-LIFE-1', 'COMLINK_WORKER_MODE in the child environment');
    conformEqual(connected['endpoint'], `tcp://127.0.0.1:${port}`, 'MF-LIFE-1', 'the endpoint the child connects to');
    const addresses = listeningAddresses(port);
    // 0100007F is 127.0.0.1 in /proc/net/tcp's byte order; 00000000 would be every interface.
    conform(
      addresses.length > 0 && addresses.every((address) => address === '0100007F'),
      'MF-SEC-1',
      `the parent's socket on port ${port} listens on 127.0.0.1 only`,
      addresses.length === 0
        ? 'no listening socket found on that port'
        : `listening on ${show(addresses)} (0100007F is 127.0.0.1)`,
    );
  },
);

Then(
  "the kit's child runs the exact argv the driver was given, and its parent process is no shell",
  function (this: W) {
    const driver = driverOf(this);
    const start = startRecord(driver.observations());
    conform(start !== undefined, 'MF-LIFE-1', "the kit's child starts", 'no start record');
    const self = start['self'] as { argv: string[] } | undefined;
    conformEqual(
      self?.argv,
      this.saved.get('childArgv'),
      'MF-LIFE-1',
      'the child runs exactly the argv of MULTIFROST_CHILD_COMMAND',
    );
    const parents = (start['parents'] as Array<{ pid: number; comm: string; exe?: string; argv: string[] }>) ?? [];
    const parent = parents[0];
    conform(parent !== undefined, 'MF-LIFE-1', 'a parent process', 'none found in /proc');
    const name = (parent.exe ?? parent.comm).split('/').pop()!;
    conform(
      !SHELLS.has(parent.comm) && !SHELLS.has(name),
      'MF-LIFE-1',
      "spawned without a shell: the parent process of the child is the parent library's process",
      `the child's parent is ${parent.comm} (${parent.argv.join(' ')})`,
    );
    const chain = parents.map((p) => p.pid);
    conform(
      driver.pid !== undefined && chain.includes(driver.pid),
      'MF-LIFE-1',
      `the child descends from the driver (pid ${String(driver.pid)})`,
      `its parents: ${show(parents.map((p) => `${p.pid} ${p.comm}`))}`,
    );
  },
);

// ---- heartbeats -----------------------------------------------------------------------------------------

function heartbeatsReceived(log: ChildObservation[]): Array<{ t: number; message: Record<string, unknown> }> {
  return log
    .filter((o) => o.event === 'recv' && (o['message'] as Record<string, unknown> | null)?.['type'] === 'heartbeat')
    .map((o) => ({ t: o.t, message: o['message'] as Record<string, unknown> }));
}

When("the kit's child has received {int} heartbeats from the driver's parent", async function (this: W, count: number) {
  const driver = driverOf(this);
  const beats = await driver.waitForObservation(
    (log) => (heartbeatsReceived(log).length >= count ? heartbeatsReceived(log) : undefined),
    this.timeoutMs * 2,
  );
  conform(
    beats !== undefined,
    this.clauseOr('MF-HB-8'),
    `${count} heartbeats from the parent`,
    `${heartbeatsReceived(driver.observations()).length} within ${this.timeoutMs * 2} ms`,
  );
});

Then("each heartbeat carries its send time in the profile's encoding", function (this: W) {
  const beats = heartbeatsReceived(driverOf(this).observations());
  conform(beats.length > 0, 'MF-HB-2', 'heartbeats', 'none');
  for (const { t, message } of beats) {
    if (this.params.profile === 'v3') {
      const args = message['args'];
      conform(
        Array.isArray(args) && args.length === 1 && typeof args[0] === 'number',
        'MF-HB-2',
        'v3: "args": [sentAtEpochMs]',
        show(message),
      );
      conform(
        Math.abs((args[0] as number) - t) < 5_000,
        'MF-HB-2',
        `v3: the send time in epoch milliseconds (near ${t})`,
        show(args[0]),
      );
    } else {
      const metadata = message['metadata'] as Record<string, unknown> | undefined;
      const sent = metadata?.['hb_timestamp'];
      conform(typeof sent === 'number', 'MF-HB-3', 'v4: "metadata": {"hb_timestamp": <epoch seconds>}', show(message));
      conform(
        Math.abs(sent - t / 1000) < 5,
        'MF-HB-3',
        `v4: hb_timestamp in epoch seconds (near ${(t / 1000).toFixed(3)})`,
        show(sent),
      );
    }
  }
});

Then('the heartbeats arrive about every {int} ms', function (this: W, intervalMs: number) {
  const beats = heartbeatsReceived(driverOf(this).observations());
  const gaps = beats
    .slice(1)
    .map((beat, i) => beat.t - beats[i]!.t)
    .sort((a, b) => a - b);
  conform(gaps.length > 0, 'MF-HB-6', 'at least two heartbeats', `${beats.length}`);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  // Generous bounds for a loaded machine; a unit error (seconds taken as ms, or the reverse) is 1000x off.
  conform(
    median >= intervalMs * 0.5 && median <= intervalMs * 4,
    'MF-HB-6',
    `heartbeats every ~${intervalMs} ms (the interval option, in its unit)`,
    `median gap ${median} ms (gaps ${show(gaps)})`,
  );
});

function eventLines(world: W, name: string): DriverLine[] {
  return driverOf(world).events(name);
}

Then('the driver reports heartbeat round trips of about {int} ms', async function (this: W, ms: number) {
  const driver = driverOf(this);
  const seen = await driver.waitForLine((line) => line['event'] === 'heartbeat-rtt', this.timeoutMs * 2);
  // Echoes held less than the timeout but reported as misses: the parent's miss rule is wrong, not its RTT.
  const misses = eventLines(this, 'heartbeat-missed');
  if (seen === undefined && misses.length > 0)
    conform(
      false,
      this.clauseOr('MF-HB-7'),
      `no miss: each echo came ${ms} ms after its heartbeat, within the timeout`,
      show(misses.slice(0, 5).map((m) => m.line)),
    );
  conform(
    seen !== undefined,
    'MF-HB-5',
    'heartbeat-rtt events',
    `none; lines: ${show(driver.lines.map((l) => l.line))}`,
  );
  const rtts = eventLines(this, 'heartbeat-rtt')
    .map((l) => Number(l.line['rtt_ms']))
    .sort((a, b) => a - b);
  const median = rtts[Math.floor(rtts.length / 2)]!;
  conform(
    median >= ms * 0.8 && median <= ms + 2_000,
    'MF-HB-5',
    `a round trip of ~${ms} ms, in milliseconds (the echo was held ${ms} ms)`,
    `rtt_ms ${show(rtts)}`,
  );
});

Then('the driver reports no missed heartbeat', function (this: W) {
  const misses = eventLines(this, 'heartbeat-missed');
  conform(
    misses.length === 0,
    'MF-HB-7',
    'no miss: every echo came within the timeout',
    show(misses.map((m) => m.line)),
  );
});

Then(
  'the driver reports missed heartbeats 1 to {int}, each no sooner than {int} ms after its heartbeat',
  async function (this: W, count: number, timeoutMs: number) {
    const driver = driverOf(this);
    const found = await driver.waitForLine(
      (line) => line['event'] === 'heartbeat-missed' && Number(line['misses']) >= count,
      this.timeoutMs * 3,
    );
    conform(
      found !== undefined,
      'MF-HB-7',
      `heartbeat-missed events up to ${count}`,
      show(eventLines(this, 'heartbeat-missed').map((m) => m.line)),
    );
    const misses = eventLines(this, 'heartbeat-missed');
    conformEqual(
      misses.slice(0, count).map((m) => m.line['misses']),
      Array.from({ length: count }, (_, i) => i + 1),
      'MF-HB-7',
      'consecutive misses counted 1, 2, 3, ...',
    );
    const dropped = driver.observations().filter((o) => o.event === 'echo-dropped');
    for (let i = 0; i < Math.min(count, dropped.length); i++) {
      const early = dropped[i]!.t + timeoutMs - misses[i]!.atEpochMs;
      // 100 ms of slack for two processes' clocks and scheduling; a parent timing out after 3 ms is seconds early.
      conform(
        early <= 100,
        'MF-HB-7',
        `miss ${i + 1} reported no sooner than the ${timeoutMs} ms timeout after its heartbeat`,
        `${early} ms too early`,
      );
    }
  },
);

Then('the driver reports a missed heartbeat', async function (this: W) {
  const driver = driverOf(this);
  const found = await driver.waitForLine((line) => line['event'] === 'heartbeat-missed', this.timeoutMs * 2);
  conform(
    found !== undefined,
    'MF-HB-7',
    'a heartbeat-missed event: an echo later than the timeout is a miss',
    show(driver.lines.map((l) => l.line)),
  );
});

Then('the driver reports a heartbeat round trip after the misses', async function (this: W) {
  const driver = driverOf(this);
  const lastMiss = (): number =>
    Math.max(-1, ...driver.lines.map((l, i) => (l.line['event'] === 'heartbeat-missed' ? i : -1)));
  const found = await driver.waitForLine(
    (line) => line['event'] === 'heartbeat-rtt' && driver.lines.findIndex((l) => l.line === line) > lastMiss(),
    this.timeoutMs * 2,
  );
  conform(
    found !== undefined,
    'MF-HB-7',
    'once echoes come back, the parent sees them again (heartbeat-rtt after the misses)',
    show(driver.lines.map((l) => l.line)),
  );
});

// ---- stop sequence --------------------------------------------------------------------------------------

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

Then(
  "the kit's child received SHUTDOWN first, then SIGTERM about {int} ms later, then it and its process group were killed",
  async function (this: W, graceMs: number) {
    const driver = driverOf(this);
    const stopped = await driver.waitForLine((line) => line['event'] === 'stopped', graceMs + this.timeoutMs * 3);
    conform(
      stopped !== undefined,
      'MF-LIFE-4',
      'the stop sequence ends with the driver printing "stopped"',
      show(driver.lines.map((l) => l.line)),
    );
    const log = driver.observations();
    const shutdown = log.find(
      (o) => o.event === 'recv' && (o['message'] as Record<string, unknown> | null)?.['type'] === 'shutdown',
    );
    const sigterm = log.find((o) => o.event === 'signal' && o['signal'] === 'SIGTERM');
    conform(
      shutdown !== undefined,
      'MF-LIFE-4',
      'a SHUTDOWN message first',
      `the child saw: ${show(log.filter((o) => o.event !== 'send').map((o) => (o.event === 'recv' ? (o['message'] as Record<string, unknown> | null)?.['type'] : o.event)))}`,
    );
    conform(
      sigterm !== undefined,
      'MF-LIFE-4',
      'SIGTERM after the grace period (the child ignored SHUTDOWN)',
      'no SIGTERM reached the child',
    );
    const waited = sigterm.t - shutdown.t;
    conform(
      waited >= graceMs - 100 && waited <= graceMs + 3_000,
      'MF-LIFE-4',
      `SIGTERM ~${graceMs} ms after SHUTDOWN (the grace period)`,
      `${waited} ms after it`,
    );
    const start = startRecord(log);
    const grandchild = log.find((o) => o.event === 'grandchild');
    const pids = [start?.['pid'], grandchild?.['pid']].filter((pid): pid is number => typeof pid === 'number');
    const gone = await within(
      this.clock,
      this.timeoutMs,
      (async () => {
        while (pids.some(alive)) await this.clock.sleep(20);
        return true;
      })(),
    );
    conform(
      gone === true,
      'MF-LIFE-4',
      'SIGKILL to the whole process group: the child (ignoring SIGTERM) and the process it started are gone',
      `still alive: ${show(pids.filter(alive))}`,
    );
  },
);

Then("the kit's child received SHUTDOWN and exited 0 without a signal", async function (this: W) {
  const driver = driverOf(this);
  const exit = await driver.waitForObservation((log) => log.find((o) => o.event === 'exit'), this.timeoutMs * 2);
  const log = driver.observations();
  const types = log
    .filter((o) => o.event === 'recv')
    .map((o) => (o['message'] as Record<string, unknown> | null)?.['type']);
  conform(
    types.includes('shutdown'),
    'MF-LIFE-4',
    'the stop sequence starts with a SHUTDOWN message',
    `the child received ${show(types)}`,
  );
  conform(
    exit !== undefined && exit['code'] === 0,
    'MF-LIFE-4',
    'the child, told to SHUTDOWN, exits 0 by itself',
    show(exit),
  );
  const signals = log.filter((o) => o.event === 'signal' && o.t < exit.t);
  conform(signals.length === 0, 'MF-LIFE-4', 'no signal before the child had its grace period', show(signals));
});

// ---- connect mode ---------------------------------------------------------------------------------------

interface KitService {
  home: string;
  serviceId: string;
  start(): void;
}

function kitService(world: W): KitService {
  const service = world.saved.get('service') as KitService | undefined;
  if (service === undefined) throw new Error('no service: the scenario needs "Given the kit\'s child will serve ..."');
  return service;
}

Given("the kit's child will serve as service {string} in a fresh registry", function (this: W, serviceId: string) {
  const home = mkdtempSync(join(tmpdir(), 'mf-home-'));
  const unique = `${serviceId}-${process.pid}-${Date.now()}`;
  const service: KitService = {
    home,
    serviceId: unique,
    start: () => {
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(process.env))
        if (value !== undefined && !name.startsWith('COMLINK_') && !name.startsWith('MULTIFROST_')) env[name] = value;
      env['MULTIFROST_HOME'] = home;
      env['MULTIFROST_SERVICE_ID'] = unique;
      const [command, ...args] = kitChildArgv();
      const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'], env, detached: true });
      const stderr: string[] = [];
      child.stderr.on(
        'data',
        (chunk: Buffer) =>
          void stderr.push(
            ...chunk
              .toString('utf8')
              .split('\n')
              .filter((l) => l !== ''),
          ),
      );
      let status: { code: number | null; signal: string | null } | undefined;
      child.once('exit', (code, signal) => (status = { code, signal }));
      this.track({
        role: 'service (kit child)',
        argv: [command!, ...args],
        pid: child.pid,
        exit: () => status,
        stderr: () => stderr,
        stdout: () => [],
      });
      this.trace.note(
        `started the kit's child as service '${unique}' (pid ${child.pid ?? '?'}) with MULTIFROST_HOME=${home}`,
      );
      this.defer(() => {
        try {
          if (child.pid !== undefined && status === undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      });
    },
  };
  this.saved.set('service', service);
  this.defer(() => rmSync(home, { recursive: true, force: true }));
  Object.assign(driverEnv(this), { MULTIFROST_HOME: home, MULTIFROST_SERVICE_ID: unique });
});

Given('the registry already holds the service id with a dead process on another port', function (this: W) {
  const service = kitService(this);
  // A pid that cannot be alive: above the kernel's pid_max default range on Linux.
  writeFileSync(
    join(service.home, 'services.json'),
    `${JSON.stringify({ [service.serviceId]: { port: 1, pid: 2_147_483_000, started: new Date().toISOString() } })}\n`,
    { mode: 0o600 },
  );
});

When("the kit's child starts serving", function (this: W) {
  kitService(this).start();
});

When(
  "the kit rewrites the service's entry with {string} instead of {string} and an extra key",
  async function (this: W, newKey: string, oldKey: string) {
    const service = kitService(this);
    const path = join(service.home, 'services.json');
    const entryOf = (): Record<string, unknown> | undefined => {
      try {
        const members = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        const entry = members[service.serviceId];
        return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    };
    const entry = await pollFor(this.clock, this.timeoutMs * 2, async () => entryOf());
    if (entry === undefined) throw new Error(`the kit's child never registered ${service.serviceId} in ${path}`);
    // The other shape a port may write (the Go port writes start_time) with a key this kit does not know. Written
    // without the lock: nothing else writes the registry now (the child is serving, the driver not started), and
    // an atomic rename keeps readers whole.
    const { [oldKey]: started, ...rest } = entry;
    const rewritten = { ...rest, [newKey]: started, written_by: 'a port with extra keys' };
    writeFileSync(`${path}.kit-tmp`, `${JSON.stringify({ [service.serviceId]: rewritten })}\n`, { mode: 0o600 });
    renameSync(`${path}.kit-tmp`, path);
    this.trace.note(`kit rewrote the entry: ${show(rewritten)}`);
  },
);

Given('the parent driver connects to the service', function (this: W) {
  return startDriver(this, {}, false);
});

// ---- breaker and restart --------------------------------------------------------------------------------

async function breakerState(world: W, state: string): Promise<void> {
  const driver = driverOf(world);
  const found = await driver.waitForLine(
    (line) => line['event'] === 'breaker' && line['state'] === state,
    world.timeoutMs * 2,
  );
  // Opening is the trip (MF-CB-2), closing the successful probe (MF-CB-6).
  const clause = world.clauseOr(state === 'open' ? 'MF-CB-2' : state === 'closed' ? 'MF-CB-6' : 'MF-CB-1');
  conform(
    found !== undefined,
    clause,
    `a {"event":"breaker","state":"${state}"} line`,
    `breaker lines: ${show(driver.events('breaker').map((l) => l.line))}`,
  );
}

Then('the driver reports the breaker {string}', function (this: W, state: string) {
  return breakerState(this, state);
});

Then("the driver reports the child's exit and a restart", async function (this: W) {
  const driver = driverOf(this);
  const restarted = await driver.waitForLine((line) => line['event'] === 'restarted', this.timeoutMs * 2);
  conform(
    restarted !== undefined,
    'MF-LIFE-9',
    'a {"event":"restarted"} line after the crash',
    show(driver.lines.map((l) => l.line)),
  );
  conform(
    driver.events('child-exited').length > 0,
    'MF-LIFE-9',
    'a {"event":"child-exited"} line before the restart',
    show(driver.lines.map((l) => l.line)),
  );
});

Then(
  "call {int} answers a process id other than call {int}'s",
  async function (this: W, later: number, earlier: number) {
    const first = await answer(this, earlier);
    const second = await answer(this, later);
    conform(
      second.line['ok'] === true && typeof second.line['result'] === 'number',
      'MF-LIFE-9',
      'the restarted child serves calls',
      show(second.line),
    );
    conform(
      second.line['result'] !== first.line['result'],
      'MF-LIFE-9',
      `a new process (not pid ${show(first.line['result'])})`,
      show(second.line['result']),
    );
  },
);

When(
  'the kit calls {string} through the driver until the breaker lets a call through',
  async function (this: W, fn: string) {
    const driver = driverOf(this);
    // Each refused call is answered at once (circuit-open); the first one let through is the half-open probe.
    for (let seq = 100; seq < 100 + 200; seq++) {
      driver.send({ seq, function: fn, args: [1, 2] });
      const { line } = await answer(this, seq);
      if (line['kind'] !== 'circuit-open') {
        this.saved.set('probe', { seq, line, atEpochMs: driver.answers(seq)[0]!.atEpochMs });
        return;
      }
      await this.clock.sleep(50);
    }
    conform(
      false,
      'MF-CB-5',
      'after the cooldown, a call is let through (half-open)',
      'every call was refused for 200 tries',
    );
  },
);

Then(
  'the first call let through came no sooner than {int} ms after the breaker opened, and succeeded',
  function (this: W, cooldownMs: number) {
    const opened = driverOf(this)
      .events('breaker')
      .find((l) => l.line['state'] === 'open');
    const probe = this.saved.get('probe') as { seq: number; line: Record<string, unknown>; atEpochMs: number };
    conform(opened !== undefined, 'MF-CB-2', 'the breaker opened', 'no open event');
    conform(
      probe.atEpochMs - opened.atEpochMs >= cooldownMs - 100,
      'MF-CB-5',
      `no call let through before the ${cooldownMs} ms cooldown`,
      `call ${probe.seq} went through ${probe.atEpochMs - opened.atEpochMs} ms after the breaker opened`,
    );
    conform(probe.line['ok'] === true, 'MF-CB-6', 'the probe succeeds (the child answers add)', show(probe.line));
  },
);
