/**
 * Targeted faults on real workers (`--faults` filters by direction, type, function, nth and time window;
 * kill and partition), through the compiled CLI against the reference worker and, in the parent role, the
 * TypeScript parent driver. The report must say which rule fired on which message.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/errors.js';
import { faultRuleTexts, parseFaultSpec } from '../../../src/conform/fault-spec.js';
import { REPO_ROOT, runCli } from './cli-process.js';

test('the grammar: actions with filters, ranges, alternatives and windows; mistakes are usage errors', () => {
  assert.deepEqual(
    parseFaultSpec(
      'drop type=heartbeat dir=to-parent nth=1-3, delay=4s fn=sleep dir=to-parent, kill type=call fn=add nth=2',
    ),
    [
      { fault: 'drop', type: 'heartbeat', direction: 'child->parent', nth: [1, 2, 3] },
      { fault: 'delay', function: 'sleep', direction: 'child->parent', ms: 4000 },
      { fault: 'crash', type: 'call', function: 'add', nth: 2 },
    ],
  );
  assert.deepEqual(parseFaultSpec('partition from=1s until=2500ms, duplicate type=response|error p=0.5'), [
    { fault: 'partition', between: ['parent', 'child'], fromMs: 1000, untilMs: 2500 },
    { fault: 'duplicate', type: ['response', 'error'], p: 0.5 },
  ]);
  assert.deepEqual(parseFaultSpec('drop=0.05 dir=to-child from=100ms'), [
    { fault: 'drop', direction: 'parent->child', fromMs: 100, p: 0.05 },
  ]);
  assert.deepEqual(faultRuleTexts(' kill  fn=add ,drop '), ['kill fn=add', 'drop']);
  for (const [bad, says] of [
    ['drop nth=0', /nth is a count from 1/],
    ['drop nth=3-1', /nth is a count from 1/],
    ['drop dir=up', /dir is to-child or to-parent/],
    ['drop colour=red', /unknown filter 'colour'/],
    ['drop fn=', /needs a value/],
    ['drop type=call|', /needs a name/],
    ['kill=1', /kill takes no value/],
    ['partition type=call', /partition takes only from= and until=/],
    ['drop from=2s until=1s', /until must come after from/],
    ['delay fn=sleep', /delay needs a duration/],
    ['explode', /unknown fault 'explode'/],
  ] as const) {
    assert.throws(
      () => parseFaultSpec(bad),
      (e: { code?: string; message: string }) => e.code === ErrorCode.INVALID_ARGUMENT && says.test(e.message),
      bad,
    );
  }
});

test('child role: the first heartbeat echoes dropped, replies to sleep delayed 4 s, the worker killed at the second add; the report says which rule fired on which message', async (t) => {
  const result = await runCli(t, [
    '--reference',
    '--name',
    'echoes a HEARTBEAT with the same id|answers sleep|Every CALL gets exactly one reply',
    '--faults',
    'drop type=heartbeat dir=to-parent nth=1-3, delay=4s fn=sleep dir=to-parent, kill type=call fn=add nth=2',
  ]);
  const out = result.stdout;
  // The heartbeat scenario's echo and the 20-add scenario's worker are lost: both fail; sleep passes late.
  assert.equal(result.code, 1, out + result.stderr);
  assert.match(out, /^FAIL\s+MUST\s+heartbeat\.feature:\d+\s+The worker echoes a HEARTBEAT/m);
  assert.match(out, /^FAIL\s+MUST\s+call\.feature:\d+\s+Every CALL gets exactly one reply/m);
  assert.match(out, /^PASS\s+MUST\s+call\.feature:\d+\s+The conformance service answers sleep/m);
  assert.match(out, /=== Fault injection \(drop type=heartbeat dir=to-parent nth=1-3, [^)]*, seed 1\): ok\n/);
  // Rule 1: only heartbeat echoes (to-parent), at most three per worker process.
  const rule1 =
    /rule 1 `drop type=heartbeat dir=to-parent nth=1-3`: fired (\d+) time\(s\) in \d+ worker process\(es\): (.*)/.exec(
      out,
    );
  assert.ok(rule1 !== null, out);
  for (const hit of rule1[2]!.split('; ').filter((h) => h !== '...'))
    assert.match(hit, /^#\d+ heartbeat \(id [^)]+\) to-parent at \d+ ms: drop \[relay \d+\]$/);
  assert.match(rule1[2]!, /heartbeat \(id kit\d*-\d+\) to-parent/, "the scenario's own echo is among them");
  // Rule 2: the one reply to sleep, delayed 4000 ms.
  assert.match(
    out,
    /rule 2 `delay=4s fn=sleep dir=to-parent`: fired 1 time\(s\) in 1 worker process\(es\): #\d+ response sleep \(id [^)]+\) to-parent at \d+ ms: delay 4000 ms \[relay \d+\]\n/,
  );
  // Rule 3: the second add CALL of the 20, towards the worker; the kill is an exit the kit's faults asked for.
  assert.match(
    out,
    /rule 3 `kill type=call fn=add nth=2`: fired 1 time\(s\) in 1 worker process\(es\): #\d+ call add \(id [^)]+\) to-child at \d+ ms: kill \[relay \d+\]\n/,
  );
  assert.match(
    out,
    /worker exits: [^\n]*SIGKILL \(after killed by the fault relay \(rule 3, at message #\d+ call add\)\) x1/,
  );
  assert.match(out, /no worker process died on its own under faults/);
});

test('child role: a partition window cuts the link from the worker start, then heals', async (t) => {
  // Every worker is cut off for its first second: the start-up probe retries and gets through after the heal,
  // the scenario's one CALL (sent at once) is lost, as on a cut network.
  const result = await runCli(t, [
    '--reference',
    '--name',
    'answers sleep',
    '--timeout',
    '2000',
    '--faults',
    'partition until=1s',
  ]);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /profile v3 \(detected \(worker accepts v3, v4\)\)/,
    'the probe got through after the heal',
  );
  assert.match(result.stdout, /^FAIL\s+MUST\s+call\.feature:\d+\s+The conformance service answers sleep/m);
  const fired = /rule 1 `partition until=1s`: fired (\d+) time\(s\) in 2 worker process\(es\): (.*)/.exec(
    result.stdout,
  );
  assert.ok(fired !== null, result.stdout);
  assert.match(fired[2]!, /call sleep \(id kit1-1\) to-child at \d+ ms: partition/);
  for (const hit of fired[2]!.split('; ').filter((h) => h !== '...')) {
    const at = /at (\d+) ms: partition/.exec(hit);
    assert.ok(at !== null && Number(at[1]) < 1000, `a partition hit inside the window: ${hit}`);
  }
});

test('parent role: faults on the link between the driver and the kit child, and which messages they hit', async (t) => {
  const result = await runCli(t, [
    '--role',
    'parent',
    '--name',
    'sends args as an array',
    '--faults',
    'delay=300ms type=call dir=to-child, drop type=heartbeat nth=1000',
    '--',
    process.execPath,
    join(REPO_ROOT, 'dist', 'src', 'conform', 'parent-driver.js'),
  ]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^PASS\s+MUST\s+parent\.feature:\d+\s+A parent sends args as an array/m);
  assert.match(
    result.stdout,
    /=== Fault injection \(delay=300ms type=call dir=to-child, drop type=heartbeat nth=1000, seed 1\): ok\n {4}\d+ kit child processes ran behind the relay \(parent role/,
  );
  assert.match(
    result.stdout,
    /rule 1 `delay=300ms type=call dir=to-child`: fired [2-9] time\(s\) in 1 worker process\(es\): #\d+ call \w+ \(id [^)]+\) to-child at \d+ ms: delay 300 ms/,
  );
  assert.match(result.stdout, /rule 2 `drop type=heartbeat nth=1000`: never fired/);
});
