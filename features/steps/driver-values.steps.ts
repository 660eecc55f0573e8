/**
 * Steps of the parent's value scenarios: what the parent puts on the wire for each argument (read from the
 * CALL's bytes with the kit's typed reader, so a wide integer or a float32 shows), and what it gives back
 * for each value of the reply (the driver's tagged JSON).
 */
import { Then } from '@cucumber/cucumber';
import { compareEcho } from '../../src/conform/value-oracle.js';
import { readWire } from '../../src/conform/wire-read.js';
import { showWire } from '../../src/conform/wire-show.js';
import { wire, wireField, type WireValue } from '../../src/conform/wire-value.js';
import { conform, sameValue, show } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { answer, driverOf, sentCalls } from './driver.steps.js';

type W = ConformanceWorld;

/** The wire value a correct parent sends for a tagged-JSON argument (docs/spec.md sections 4 and 14). */
function expectedWire(value: unknown): WireValue {
  if (value === null) return wire.nil();
  if (typeof value === 'boolean') return wire.bool(value);
  // MF-VAL-2: integral and within int64 is an integer; every other number (1.5, 1e300) a float64.
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? wire.int(value) : wire.float(value);
  if (typeof value === 'string') return wire.str(value);
  if (Array.isArray(value)) return wire.array(value.map(expectedWire));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && typeof record['$int'] === 'string') return wire.int(BigInt(record['$int']));
  if (keys.length === 1 && typeof record['$bin'] === 'string') return { type: 'bin', hex: record['$bin'] };
  // MF-VAL-1: NaN and ±Infinity asked for with $float; compareEcho wants nil on the wire for them.
  if (keys.length === 1 && typeof record['$float'] === 'string') return wire.float(Number(record['$float']));
  return wire.map(keys.map((key) => [key, expectedWire(record[key])]));
}

/**
 * The first difference between a result the driver printed and the tagged JSON expected, with the clause
 * it breaks: a big integer changed is MF-VAL-4, bin MF-VAL-5, a string MF-VAL-9, a map key MF-VAL-11.
 */
function resultDifference(
  expected: unknown,
  actual: unknown,
  path = 'result',
): { clause: string | undefined; where: string } | undefined {
  if (sameValue(actual, expected)) return undefined;
  const at = (clause: string | undefined) => ({ clause, where: `at ${path}: ${show(actual)}, not ${show(expected)}` });
  if (typeof expected === 'string') return at('MF-VAL-9');
  if (typeof expected === 'number') return at(Number.isInteger(expected) ? 'MF-VAL-2' : 'MF-VAL-10');
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return at(undefined);
    for (let i = 0; i < expected.length; i++) {
      const inner = resultDifference(expected[i], actual[i], `${path}[${i}]`);
      if (inner !== undefined) return inner;
    }
    return at(undefined);
  }
  if (expected !== null && typeof expected === 'object') {
    const record = expected as Record<string, unknown>;
    if ('$int' in record) return at('MF-VAL-4');
    if ('$bin' in record) return at('MF-VAL-5');
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return at(undefined);
    const got = actual as Record<string, unknown>;
    const missing = Object.keys(record).find((key) => !Object.hasOwn(got, key));
    if (missing !== undefined) return at('MF-VAL-11');
    for (const key of Object.keys(record)) {
      const inner = resultDifference(record[key], got[key], `${path}[${JSON.stringify(key)}]`);
      if (inner !== undefined) return inner;
    }
    return at('MF-VAL-11');
  }
  return at(undefined);
}

/** The args of call `seq` as sent to the driver. */
function argsOf(world: W, seq: number): unknown[] {
  const call = sentCalls(world).get(seq);
  if (call === undefined) throw new Error(`the scenario sent no call ${seq} to the driver`);
  return (call['args'] as unknown[] | undefined) ?? [];
}

Then(
  "the kit's child received call {int} with each argument in its msgpack type and value",
  async function (this: W, seq: number) {
    const args = argsOf(this, seq);
    const fn = sentCalls(this).get(seq)!['function'];
    const driver = driverOf(this);
    const found = await driver.waitForObservation(
      () =>
        driver
          .received()
          .find((r) => r.message?.['type'] === 'call' && r.message['function'] === fn && r.payloadHex !== undefined),
      this.timeoutMs,
    );
    conform(
      found !== undefined,
      this.clause,
      `the kit's child receives the CALL to ${show(fn)}`,
      `messages received: ${show(driver.received().map((r) => r.message))}`,
    );
    const received = readWire(Buffer.from(found.payloadHex!, 'hex'));
    const sentArgs = wireField(received, 'args') ?? wire.nil();
    const expected = expectedWire(args);
    const mismatch = compareEcho(expected, sentArgs);
    conform(
      mismatch === undefined,
      mismatch?.clause ?? this.clause,
      `args ${showWire(expected, 400)}, each in its msgpack type (integers in their smallest format, floats as float64, bin as bin)`,
      mismatch === undefined ? '' : `at ${mismatch.path.replace(/^\$/, 'args')}: ${mismatch.actual}`,
      `the CALL's args on the wire: ${showWire(sentArgs, 400)}`,
    );
  },
);

Then(
  'the driver gives back the argument of call {int} as the result, unchanged',
  async function (this: W, seq: number) {
    const { line } = await answer(this, seq);
    conform(line['ok'] === true, this.clause, `call ${seq} succeeds`, show(line));
    const [echoed] = argsOf(this, seq);
    const difference = resultDifference(echoed, line['result']);
    conform(
      difference === undefined,
      difference?.clause ?? this.clause,
      `the result ${show(echoed)} (tagged JSON: big integers as $int, bin as $bin, every map key kept)`,
      difference?.where ?? '',
    );
  },
);
