import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DecodeError } from '../../../src/errors.js';
import { Codec } from '../../../src/protocol/codec.js';
import { renderVectorFiles, VECTORS_DIR } from '../../vectors/generate.js';
import { fromJs, toJs, type Input, type Wire } from '../../vectors/notation.js';
import { referenceDecode, referenceEncode } from '../../vectors/reference-msgpack.js';

interface Vector {
  name: string;
  hex: string;
  value: Wire;
  input?: Input;
}

interface Reject {
  name: string;
  hex: string;
  reason: string;
}

const codec = new Codec();
const jsonFiles = readdirSync(VECTORS_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const load = (name: string): { vectors: unknown[] } =>
  JSON.parse(readFileSync(join(VECTORS_DIR, name), 'utf8')) as { vectors: unknown[] };

describe('golden vectors (fixtures/vectors)', () => {
  it('the committed files equal what the generator produces now', () => {
    const generated = renderVectorFiles();
    assert.deepEqual(jsonFiles, Object.keys(generated).sort(), 'a vector file is missing or not generated');
    for (const [name, content] of Object.entries(generated)) {
      assert.equal(
        readFileSync(join(VECTORS_DIR, name), 'utf8'),
        content,
        `${name} is stale: run node --import tsx harness/vectors/generate.ts`,
      );
    }
  });

  // unportable.json has its own checks: unportable-vectors.test.ts.
  for (const file of jsonFiles.filter((name) => name !== 'rejects.json' && name !== 'unportable.json')) {
    describe(file, () => {
      const vectors = load(file).vectors as Vector[];

      it('has vectors with unique names', () => {
        assert.ok(vectors.length > 0);
        assert.equal(new Set(vectors.map((vector) => vector.name)).size, vectors.length);
      });

      for (const vector of vectors) {
        it(`${vector.name}: hex and value agree (independent reference codec)`, () => {
          assert.deepEqual(referenceDecode(Buffer.from(vector.hex, 'hex')), vector.value);
          assert.equal(referenceEncode(vector.value).toString('hex'), vector.hex);
        });

        it(`${vector.name}: the codec decodes hex to value`, () => {
          const decoded = codec.decodeValue(Buffer.from(vector.hex, 'hex'));
          assert.deepEqual(fromJs(decoded), vector.value);
          assert.deepStrictEqual(decoded, toJs(vector.value));
        });

        it(`${vector.name}: the codec encodes ${vector.input === undefined ? 'value' : 'input'} to hex`, () => {
          const source = toJs(vector.input ?? vector.value);
          assert.equal(codec.encode(source as object).toString('hex'), vector.hex);
        });
      }
    });
  }

  describe('rejects.json', () => {
    for (const vector of load('rejects.json').vectors as Reject[]) {
      it(`${vector.name}: refused with reason ${vector.reason} (MF-FRAME-5)`, () => {
        assert.throws(
          () => codec.decodeValue(Buffer.from(vector.hex, 'hex')),
          (error: unknown) => error instanceof DecodeError && error.reason === vector.reason,
        );
        assert.throws(() => referenceDecode(Buffer.from(vector.hex, 'hex')));
      });
    }
  });
});
