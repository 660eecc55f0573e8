import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { firstValueLength } from '../../../src/protocol/msgpack-length.js';
import { VECTORS_DIR } from '../../vectors/generate.js';

const fromHex = (text: string): Buffer => Buffer.from(text, 'hex');

describe('firstValueLength: the extent of the first msgpack value, from headers only', () => {
  it('measures every golden vector exactly, with or without bytes after it', () => {
    for (const file of readdirSync(VECTORS_DIR).filter((name) => name.endsWith('.json') && name !== 'rejects.json')) {
      const { vectors } = JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as {
        vectors: Array<{ name: string; hex: string }>;
      };
      for (const vector of vectors) {
        const bytes = fromHex(vector.hex);
        assert.equal(firstValueLength(bytes), bytes.length, vector.name);
        assert.equal(
          firstValueLength(Buffer.concat([bytes, fromHex('b6ffc1')])),
          bytes.length,
          `${vector.name} + trailing`,
        );
      }
    }
  });

  it('skips every fixed-size, length-prefixed and extension format', () => {
    const cases: Array<[string, number]> = [
      ['ca00000000', 5],
      ['d40000', 3],
      ['d5000000', 4],
      ['d600000000000', 6],
      ['d7' + '00'.repeat(9), 10],
      ['d8' + '00'.repeat(17), 18],
      ['c70201aaaa', 5],
      ['c8000101aa', 5],
      ['c900000001' + '01aa', 7],
      ['c5000101', 4],
      ['c60000000101', 6],
      ['da0001' + '61', 4],
      ['db00000001' + '61', 6],
      ['dd00000001c0', 6],
      ['df00000001a161c0', 8],
      ['de0001a161c0', 6],
    ];
    for (const [hex, length] of cases)
      assert.equal(firstValueLength(fromHex(hex.length % 2 === 0 ? hex : `${hex}0`)), length, hex);
    assert.equal(firstValueLength(fromHex('00c0'), 1), 1, 'from an offset');
  });

  it('is undefined when the bytes end inside the value, or hold 0xc1', () => {
    for (const hex of ['', '92c0', 'a3616263'.slice(0, 6), 'cb3ff8', 'c4', 'da00', 'c1', '91c1', 'df0000', 'c70101']) {
      assert.equal(firstValueLength(fromHex(hex)), undefined, hex);
    }
  });

  it('walks a deep nesting without recursion', () => {
    const deep = Buffer.concat([Buffer.alloc(100_000, 0x91), Buffer.from([0xc0])]);
    assert.equal(firstValueLength(deep), deep.length);
  });
});
