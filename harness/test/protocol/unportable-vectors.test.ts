/**
 * fixtures/vectors/unportable.json: values outside the portable set. The TypeScript codec's
 * decodeUnportable finds every one and names where it is, which is what the CALL's ERROR (MF-VAL-12,
 * MF-VAL-13) and the parent's refusal (MF-VAL-14) carry; the kit's wire reader and writer keep every one
 * exactly, byte for byte. (Codec.decodeValue alone makes a scalar key a string; protocol/validate.ts
 * catches such keys at the message level.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readWire } from '../../../src/conform/wire-read.js';
import type { WireValue } from '../../../src/conform/wire-value.js';
import { writeWire } from '../../../src/conform/wire-write.js';
import { Codec } from '../../../src/protocol/codec.js';
import { VECTORS_DIR } from '../../vectors/generate.js';
import type { AnyWire } from '../../vectors/notation.js';
import { referenceDecodeAny, referenceEncode } from '../../vectors/reference-msgpack.js';

interface Vector {
  name: string;
  path: string;
  hex: string;
  value: AnyWire;
}

const codec = new Codec();
const file = JSON.parse(readFileSync(join(VECTORS_DIR, 'unportable.json'), 'utf8')) as { vectors: Vector[] };

/** The notation as the kit's wire model (wire-value.ts). */
function toWireValue(node: AnyWire | string): WireValue {
  if (typeof node === 'string') return { type: 'str', value: node };
  if ('nil' in node) return { type: 'nil' };
  if ('bool' in node) return { type: 'bool', value: node.bool };
  if ('int' in node) return { type: 'int', value: node.int };
  if ('float' in node) return { type: 'float', bits: node.float };
  if ('str' in node) return { type: 'str', value: node.str };
  if ('bin' in node) return { type: 'bin', hex: node.bin };
  if ('ext' in node) return { type: 'ext', extType: node.ext.type, hex: node.ext.hex };
  if ('array' in node) return { type: 'array', items: (node.array as AnyWire[]).map(toWireValue) };
  const pairs = node.map as Array<[string | AnyWire, AnyWire]>;
  return { type: 'map', entries: pairs.map(([key, item]) => [toWireValue(key), toWireValue(item)]) };
}

describe('unportable vectors (fixtures/vectors/unportable.json)', () => {
  it('has vectors with unique names', () => {
    assert.ok(file.vectors.length > 0);
    assert.equal(new Set(file.vectors.map((vector) => vector.name)).size, file.vectors.length);
  });

  for (const vector of file.vectors) {
    const bytes = Buffer.from(vector.hex, 'hex');

    it(`${vector.name}: hex and value agree (independent reference codec)`, () => {
      assert.deepEqual(referenceDecodeAny(bytes), vector.value);
      assert.equal(referenceEncode(vector.value).toString('hex'), vector.hex);
    });

    it(`${vector.name}: the codec refuses it, naming ${vector.path}`, () => {
      const { unportable } = codec.decodeUnportable(bytes);
      assert.ok(unportable !== undefined, 'decodeUnportable found nothing outside the portable set');
      assert.ok(unportable.startsWith(`${vector.path}: `), `refusal names the wrong place: ${unportable}`);
      // and says what: an extension (as a value or a key) or a map key's type, never `[object Object]`
      assert.match(unportable, vector.name.includes('ext') ? /extension.*type -?\d+/ : /a map key of type \w+/);
      assert.doesNotMatch(unportable, /\[object /);
    });

    it(`${vector.name}: the kit's wire reader keeps it exactly and the writer gives the same bytes`, () => {
      const read = readWire(bytes);
      assert.deepEqual(read, toWireValue(vector.value));
      assert.equal(writeWire(read).toString('hex'), vector.hex);
    });
  }
});
