/**
 * Values outside the portable set inside a CALL (a map key that is not a string, an extension type): the
 * decoder keeps the CALL so that the child can refuse it with an ERROR naming the path, rather than drop it
 * (an undecodable payload) or change it (msgpackr makes the key 1 the string "1").
 * @see MF-VAL-12, MF-VAL-13
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../../src/errors.js';
import { Codec, ForeignExtension } from '../../../src/protocol/codec.js';
import { hasNonStringKey } from '../../../src/protocol/msgpack-length.js';
import { V3 } from '../../../src/protocol/profile.js';
import { callDefect, decodeMessage, unportableValue } from '../../../src/protocol/validate.js';
import type { CallMessage } from '../../../src/protocol/message.js';
import { echoCall } from '../../../src/conform/value-fuzz.js';
import { wire, type WireValue } from '../../../src/conform/wire-value.js';
import { writeWire } from '../../../src/conform/wire-write.js';
import { wireValue } from '../../../src/conform/value-arbitraries.js';

const codec = new Codec();
const fromHex = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** decodeMessage of echo(value) in v3, and the ERROR text the child would answer it with. */
function refusal(value: WireValue): string | undefined {
  const result = decodeMessage(codec, echoCall('v3', 'c-1', 1, value), [V3]);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return callDefect(result.message as CallMessage);
}

describe('a CALL holding a value outside the portable set is kept, to be refused with an ERROR', () => {
  it('names a map key that is not a string, with its path', () => {
    assert.match(
      refusal(wire.map([[wire.int(1), wire.str('one')]])) ?? '',
      /at \$\.args\[0\]: a map key of type integer \(1\)/,
    );
    assert.match(
      refusal(wire.array([wire.map([['a', wire.map([[wire.nil(), wire.bool(true)]])]])])) ?? '',
      /at \$\.args\[0\]\[0\]\.a: a map key of type nil/,
    );
    // An array key: msgpackr cannot decode the payload at all, so the slow decode is the only way to answer.
    assert.match(
      refusal(wire.map([[wire.array([wire.int(1)]), wire.int(2)]])) ?? '',
      /a map key of type array \(\[1\]\)/,
    );
  });

  it('names an extension type, nested at any depth, with its path', () => {
    assert.match(refusal(wire.ext(1, Buffer.of(2))) ?? '', /at \$\.args\[0\]: a msgpack extension type 1/);
    assert.match(
      refusal(wire.map([['x', wire.array([wire.nil(), wire.ext(-1, Buffer.alloc(4))])]])) ?? '',
      /at \$\.args\[0\]\.x\[1\]: a msgpack extension type -1/,
    );
  });

  it('keeps refusing a payload that is an extension value; a RESPONSE holding one is kept, marked with where (MF-VAL-14)', () => {
    assert.throws(() => codec.decodeValue(fromHex('d40102')), DecodeError);
    assert.throws(
      () => codec.decodeValue(fromHex('81a178d40102')),
      DecodeError,
      'decodeValue still refuses every extension type',
    );
    const response = writeWire(
      wire.map([
        ['app', wire.str(V3.app)],
        ['id', wire.str('r')],
        ['type', wire.str('response')],
        ['timestamp', wire.float(1)],
        ['result', wire.ext(1, Buffer.of(2))],
      ]),
    );
    const decoded = decodeMessage(codec, response, [V3]);
    assert.ok(decoded.ok, 'kept, so that its call is settled with an error rather than left to time out');
    assert.match(unportableValue(decoded.message) ?? '', /^\$\.result: a msgpack extension type 1/);
    const keyed = writeWire(
      wire.map([
        ['app', wire.str(V3.app)],
        ['id', wire.str('r')],
        ['type', wire.str('response')],
        ['timestamp', wire.float(1)],
        ['result', wire.map([[wire.int(1), wire.nil()]])],
      ]),
    );
    const keyedDecoded = decodeMessage(codec, keyed, [V3]);
    assert.ok(keyedDecoded.ok);
    assert.match(
      unportableValue(keyedDecoded.message) ?? '',
      /a map key of type integer/,
      'a RESPONSE with a map is walked: the key 1 is not delivered as "1"',
    );
    const heartbeat = writeWire(
      wire.map([
        ['app', wire.str(V3.app)],
        ['id', wire.str('h')],
        ['type', wire.str('heartbeat')],
        ['timestamp', wire.float(1)],
        ['args', wire.array([wire.ext(1, Buffer.of(2))])],
      ]),
    );
    assert.equal(decodeMessage(codec, heartbeat, [V3]).ok, false, 'any other message holding one is dropped');
  });

  it('decodeUnportable gives the value with extensions kept and the first unportable value', () => {
    const { value, unportable } = codec.decodeUnportable(fromHex('82a161d4010201c3'));
    assert.equal(unportable, '$.a: a msgpack extension type 1 (the protocol has none)', 'the first in wire order');
    const record = value as Record<string, unknown>;
    assert.ok(record['a'] instanceof ForeignExtension);
    assert.equal(record['1'], true);
  });

  it('leaves portable CALLs alone: no defect, odd string keys included', () => {
    assert.equal(
      refusal(
        wire.map([
          ['__proto__', wire.int(1)],
          ['', wire.nil()],
          ['1', wire.str('one')],
        ]),
      ),
      undefined,
    );
  });
});

describe('hasNonStringKey: a header walk that finds map keys msgpackr would turn into strings', () => {
  /** The answer from the value model: some map at any depth has a key that is not a str. */
  function modelHas(value: WireValue): boolean {
    if (value.type === 'array') return value.items.some(modelHas);
    if (value.type === 'map')
      return value.entries.some(([key, item]) => key.type !== 'str' || modelHas(key) || modelHas(item));
    return false;
  }
  const anyKeyed: fc.Arbitrary<WireValue> = fc.letrec<{ v: WireValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(
        wire.nil(),
        wire.int(1),
        wire.str('k'),
        wire.str(''),
        wire.bin(Buffer.of(1)),
        wire.float(0.5),
        wire.int(2n ** 40n),
      ),
      fc.array(tie('v'), { maxLength: 4 }).map(wire.array),
      fc
        .array(fc.tuple(fc.oneof(fc.string({ maxLength: 3 }).map(wire.str), tie('v')), tie('v')), { maxLength: 4 })
        .map((entries) => ({ type: 'map', entries }) as WireValue),
    ),
  })).v;

  it('agrees with the value model on any value, and on every generated portable value (false)', () => {
    fc.assert(
      fc.property(anyKeyed, (value) => assert.equal(hasNonStringKey(writeWire(value)), modelHas(value))),
      { numRuns: 3000, seed: 4 },
    );
    fc.assert(
      fc.property(wireValue, (value) => assert.equal(hasNonStringKey(writeWire(value)), false)),
      { numRuns: 200, seed: 5 },
    );
  });

  it('is false for bytes that end early or hold 0xc1, and for scalars', () => {
    for (const hex of ['', '81', '8101', 'c1', '01', 'a3616263', '91c1'])
      assert.equal(hasNonStringKey(fromHex(hex)), hex === '8101', hex);
  });
});

describe('a payload whose top-level map has a key that is not a string is no message: dropped (MF-MSG-1)', () => {
  const header = (type: string): Array<[string, WireValue]> => [
    ['app', wire.str(V3.app)],
    ['id', wire.str('m-1')],
    ['type', wire.str(type)],
    ['timestamp', wire.float(1767225600.25)],
  ];
  const floats = wire.array(Array.from({ length: 1000 }, (_, i) => wire.float(i + 0.5)));

  function assertDropped(entries: Array<[string | WireValue, WireValue]>, key: string): void {
    const result = decodeMessage(codec, writeWire(wire.map(entries)), [V3]);
    assert.equal(result.ok, false, 'the message was read');
    if (result.ok) return;
    assert.equal(result.error.reason, 'not-a-map');
    assert.match(result.error.message, new RegExp(`a map key of type ${key}.*MF-MSG-1`));
  }

  it('drops a CALL, a RESPONSE (small or with 1,000 floats), a heartbeat and output with such a key', () => {
    const call: Array<[string | WireValue, WireValue]> = [
      ...header('call'),
      ['function', wire.str('echo')],
      ['args', wire.array([wire.int(1)])],
    ];
    assertDropped([...call, [wire.int(1), wire.str('one')]], 'integer');
    assertDropped([[wire.bool(true), wire.nil()], ...call], 'boolean');
    // An array key: msgpackr cannot decode the payload at all; the retry names the key.
    assertDropped([...call, [wire.array([wire.int(1)]), wire.int(2)]], 'array');
    assertDropped([...header('response'), ['result', wire.int(3)], [wire.int(1), wire.str('decoy')]], 'integer');
    assertDropped([...header('response'), ['result', floats], [wire.int(7), wire.nil()]], 'integer');
    assertDropped([...header('heartbeat'), [wire.nil(), wire.int(1)]], 'nil');
    assertDropped([...header('stdout'), ['output', wire.str('x')], [wire.float(1.5), wire.int(1)]], 'float');
  });

  it('still reads a RESPONSE whose result holds such a key, to settle its call with an error (MF-VAL-14)', () => {
    const payload = writeWire(
      wire.map([...header('response'), ['result', wire.array([wire.map([[wire.int(1), wire.str('one')]])])]]),
    );
    const result = decodeMessage(codec, payload, [V3]);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.match(unportableValue(result.message) ?? '', /^\$\.result\[0\]: a map key of type integer/);
  });
});
