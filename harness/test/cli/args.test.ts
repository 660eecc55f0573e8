import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../../src/cli/args.js';
import { ErrorCode } from '../../../src/errors.js';
import { tagExpression } from '../../../src/conform/conform-run.js';
import { parseFaultSpec } from '../../../src/conform/fault-spec.js';
import { parseMisbehaviour } from '../../../src/conform/misbehaving-transport.js';

test('a script target and report options are parsed; everything after -- is the command, untouched', () => {
  const script = parseArgs(['./worker.py', '--json', 'r.json', '--junit=r.xml', '--strict', '--timeout', '2500', '--name', 'echo', '--name', 'add']);
  assert.equal(script.script, './worker.py');
  assert.equal(script.json, 'r.json');
  assert.equal(script.junit, 'r.xml');
  assert.equal(script.strict, true);
  assert.equal(script.timeoutMs, 2500);
  assert.deepEqual(script.names, ['echo', 'add']);
  const command = parseArgs(['--profile', 'v4', '--', 'python3', '-u', 'child.py', '--json', 'x']);
  assert.deepEqual(command.argv, ['python3', '-u', 'child.py', '--json', 'x']);
  assert.equal(command.json, undefined);
  assert.equal(command.profile, 'v4');
});

test('the role parent needs a driver command; list needs no target', () => {
  assert.equal(parseArgs(['--role', 'parent', '--', 'driver']).role, 'parent');
  assert.throws(() => parseArgs(['--role', 'parent', '--reference']), (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT);
  assert.equal(parseArgs(['list', '--tags', '@must']).command, 'list');
});

test('usage errors are typed: no target, two targets, bad profile, bad number, unknown option, bad regex', () => {
  for (const argv of [[], ['a.py', '--reference'], ['--reference', '--profile', 'v5'], ['--reference', '--timeout', '0'], ['--reference', '--bogus'], ['--reference', '--name', '(']]) {
    assert.throws(() => parseArgs(argv), (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT, argv.join(' '));
  }
});

test('the role tag is combined with the user tag expression', () => {
  assert.equal(tagExpression('child', undefined), '@child');
  assert.equal(tagExpression('parent', '@must or @should'), '@parent and (@must or @should)');
});

test('the fault spec reads drop, delay with jitter, duplicate, reorder and corrupt; a typo is a usage error', () => {
  assert.deepEqual(parseFaultSpec('drop=0.05,delay=10ms~5ms,duplicate=0.01'), [
    { fault: 'drop', p: 0.05 },
    { fault: 'delay', ms: 10, jitterMs: 5 },
    { fault: 'duplicate', p: 0.01 },
  ]);
  assert.deepEqual(parseFaultSpec('reorder=0.5@20ms,corrupt=0.1'), [{ fault: 'reorder', p: 0.5, windowMs: 20 }, { fault: 'corrupt', p: 0.1 }]);
  for (const bad of ['', 'drop=2', 'delay=fast', 'explode=1', 'drop']) {
    assert.throws(() => parseFaultSpec(bad), (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT, bad);
  }
});

test('the instrumented child reads its misbehaviour list', () => {
  assert.deepEqual(parseMisbehaviour('delay=200,drop-heartbeats,wrong-id=add,crash-after=3'), { delayMs: 200, dropHeartbeats: true, wrongId: 'add', crashAfterCalls: 3 });
  assert.deepEqual(parseMisbehaviour(undefined), {});
  assert.throws(() => parseMisbehaviour('explode'), (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT);
});
