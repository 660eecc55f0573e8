/**
 * The pieces of differential value checking: the kit's own msgpack writer and reader (wire-value.ts),
 * checked against every golden vector, and the oracle (value-oracle.ts) on each rule of spec section 4.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { wireValue } from '../../../src/conform/value-arbitraries.js';
import { compareEcho } from '../../../src/conform/value-oracle.js';
import { echoCall } from '../../../src/conform/value-fuzz.js';
import { readWire } from '../../../src/conform/wire-read.js';
import { showWire } from '../../../src/conform/wire-show.js';
import { wire, type WireValue } from '../../../src/conform/wire-value.js';
import { writeWire } from '../../../src/conform/wire-write.js';
import { REPO_ROOT } from './cli-process.js';

type Typed = Record<string, unknown>;

/** The golden vectors' typed notation (fixtures/vectors/README.md) as a wire value. */
function fromVector(typed: Typed): WireValue {
  const [[tag, body]] = Object.entries(typed) as [[string, unknown]];
  switch (tag) {
    case 'nil':
      return wire.nil();
    case 'bool':
      return wire.bool(body as boolean);
    case 'int':
      return { type: 'int', value: body as string };
    case 'float':
      return { type: 'float', bits: body as string };
    case 'str':
      return wire.str(body as string);
    case 'bin':
      return { type: 'bin', hex: body as string };
    case 'array':
      return wire.array((body as Typed[]).map(fromVector));
    case 'map':
      return wire.map((body as Array<[string, Typed]>).map(([key, value]) => [key, fromVector(value)]));
    default:
      throw new Error(`unknown tag ${tag}`);
  }
}

const vectors = (file: string): Array<{ name: string; hex: string; value: Typed }> =>
  (
    JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', 'vectors', file), 'utf8')) as {
      vectors: Array<{ name: string; hex: string; value: Typed }>;
    }
  ).vectors;

describe('wire values: the kit writes and reads the golden vectors byte for byte', () => {
  for (const file of ['values.json', 'messages-v3.json', 'messages-v4.json', 'sanitize.json']) {
    it(`${file}: write(value) is hex, read(hex) is value`, () => {
      for (const vector of vectors(file)) {
        const value = fromVector(vector.value);
        assert.equal(writeWire(value).toString('hex'), vector.hex, vector.name);
        assert.deepEqual(readWire(Buffer.from(vector.hex, 'hex')), value, vector.name);
      }
    });
  }

  it('reads what the TypeScript codec writes for any generated value, and the codec reads what the kit writes', () => {
    fc.assert(
      fc.property(wireValue, (value) => {
        const bytes = writeWire(value);
        assert.equal(readWire(bytes).type, value.type);
        defaultCodec.decodeValue(bytes); // never throws for a portable value
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('notes non-canonical formats and refuses what is not one msgpack value', () => {
    assert.deepEqual(readWire(Buffer.from('cd0080', 'hex')), { type: 'int', value: '128', wide: true });
    assert.deepEqual(readWire(Buffer.from('d005', 'hex')), { type: 'int', value: '5', wide: true });
    assert.deepEqual(readWire(Buffer.from('ca3fc00000', 'hex')), {
      type: 'float',
      bits: '3ff8000000000000',
      single: true,
    });
    assert.deepEqual(readWire(Buffer.from('d40102', 'hex')), { type: 'ext', extType: 1, hex: '02' });
    assert.deepEqual(readWire(Buffer.from('8101a36f6e65', 'hex')), {
      type: 'map',
      entries: [[wire.int(1), wire.str('one')]],
    });
    for (const bad of ['', 'c1', 'c0c0', '92c0', 'dd00010000', 'a3616263ff'])
      assert.throws(() => readWire(Buffer.from(bad, 'hex')), bad);
  });

  it('writes the echo CALL with the value as its only argument', () => {
    const call = defaultCodec.decodeValue(
      echoCall('v4', 'id-1', 1.5, wire.array([wire.int(-1), wire.str('')])),
    ) as Record<string, unknown>;
    assert.deepEqual(call, {
      app: 'comlink_ipc_v4',
      id: 'id-1',
      type: 'call',
      timestamp: 1.5,
      function: 'echo',
      args: [[-1, '']],
    });
  });
});

describe('the oracle: what echo(value) must give back (docs/spec.md section 4)', () => {
  const ok = (sent: WireValue, got: WireValue): void =>
    assert.equal(compareEcho(sent, got), undefined, `${showWire(sent)} -> ${showWire(got)}`);
  const fails = (sent: WireValue, got: WireValue, clause: string, path = '$'): void => {
    const mismatch = compareEcho(sent, got);
    assert.equal(mismatch?.clause, clause, `${showWire(sent)} -> ${showWire(got)}: ${JSON.stringify(mismatch)}`);
    assert.equal(mismatch?.path, path);
  };
  const f = (bits: string): WireValue => ({ type: 'float', bits });

  it('NaN and ±Infinity come back as nil, at any depth (MF-VAL-1)', () => {
    for (const bits of ['7ff8000000000000', '7ff8000000000001', 'fff0000000000000', '7ff0000000000000']) {
      ok(f(bits), wire.nil());
      fails(wire.array([f(bits)]), wire.array([f(bits)]), 'MF-VAL-1', '$[0]');
    }
  });

  it('-0.0 comes back equal to 0: integer 0 or a float zero (MF-VAL-10)', () => {
    ok(wire.float(-0), wire.int(0));
    ok(wire.float(-0), wire.float(-0));
    ok(wire.float(-0), wire.float(0));
    fails(wire.float(-0), wire.nil(), 'MF-VAL-10');
  });

  it('an integral float within int64 may come back as that integer (the TypeScript oracle) or the same float64 (MF-VAL-2)', () => {
    ok(wire.float(1), wire.int(1));
    ok(wire.float(1), wire.float(1));
    ok(wire.float(2 ** 60), wire.int(2n ** 60n));
    fails(wire.float(1), wire.int(2), 'MF-VAL-2');
    fails(wire.float(2 ** 63), wire.int(2n ** 63n), 'MF-VAL-10'); // beyond int64: stays a float
    ok(wire.float(2 ** 63), wire.float(2 ** 63));
  });

  it('other floats come back bit for bit as float64 (MF-VAL-10)', () => {
    ok(wire.float(0.1), wire.float(0.1));
    fails(wire.float(0.1), wire.float(0.1 + 2 ** -56), 'MF-VAL-10');
    fails(wire.float(1.5), { type: 'float', bits: '3ff8000000000000', single: true }, 'MF-VAL-10');
  });

  it('integers stay integers, exact and in the smallest format (MF-VAL-2, MF-VAL-4)', () => {
    ok(wire.int(2n ** 64n - 1n), wire.int(2n ** 64n - 1n));
    fails(wire.int(2n ** 63n + 1n), wire.float(2 ** 63), 'MF-VAL-4');
    fails(wire.int(3), wire.float(3), 'MF-VAL-2');
    fails(wire.int(128), { type: 'int', value: '128', wide: true }, 'MF-VAL-2');
    fails(wire.int(5), wire.int(6), 'MF-SVC-1');
  });

  it('strings, bin, arrays and maps come back unchanged; map keys cross unchanged, in any order (MF-VAL-9, MF-VAL-5, MF-VAL-11, MF-SVC-1)', () => {
    ok(wire.str('\u{1F600}'), wire.str('\u{1F600}'));
    fails(wire.str('\u{1F600}'), wire.str('\uFFFD'), 'MF-VAL-9');
    fails(wire.bin(Buffer.from('ab', 'hex')), wire.str('\u00ab'), 'MF-VAL-5');
    ok(
      wire.map([
        ['a', wire.int(1)],
        ['__proto__', wire.nil()],
      ]),
      wire.map([
        ['__proto__', wire.nil()],
        ['a', wire.int(1)],
      ]),
    );
    fails(wire.map([['__proto__', wire.int(1)]]), wire.map([['__proto_', wire.int(1)]]), 'MF-VAL-11');
    fails(
      wire.map([['k', wire.int(1)]]),
      wire.map([
        ['k', wire.int(1)],
        ['k', wire.int(1)],
      ]),
      'MF-VAL-11',
    );
    fails(
      wire.map([['x', wire.array([wire.str('')])]]),
      wire.map([['x', wire.array([wire.nil()])]]),
      'MF-VAL-9',
      '$["x"][0]',
    );
    fails(wire.array([wire.nil()]), wire.array([]), 'MF-SVC-1');
  });
});
