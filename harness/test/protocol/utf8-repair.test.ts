// Invalid UTF-8 in str values decodes to U+FFFD on every platform, with or without msgpackr's native extractor.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { firstValueLength } from '../../../src/protocol/msgpack-length.js';
import { repairInvalidUtf8 } from '../../../src/protocol/utf8-repair.js';
import { fcParameters } from '../property/fc-config.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const lenient = new TextDecoder();

/** A msgpack str of `body` in the smallest format. */
function str(body: Uint8Array): Buffer {
  const n = body.length;
  const header = n < 32 ? [0xa0 | n] : n < 256 ? [0xd9, n] : [0xda, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from(header), body]);
}

/** Every str body of the first value, in byte order. */
function strBodies(bytes: Buffer): string[] {
  const bodies: string[] = [];
  firstValueLength(bytes, 0, (_, bodyAt, bodyEnd) => bodies.push(bytes.subarray(bodyAt, bodyEnd).toString('hex')));
  return bodies;
}

describe('repairInvalidUtf8', () => {
  it('leaves a payload whose strings are valid alone (undefined: nothing to do)', () => {
    assert.equal(repairInvalidUtf8(hex('82 a1 61 a4 c3a9 6162  a1 62 92 01 a3 e282ac')), undefined);
  });

  it('replaces each bad sequence by U+FFFD, in keys, values and nested arrays, and nothing else', () => {
    // {"\xc3(": ["ok", "a\xffb"], "k": bin(ff)}
    const payload = hex('83 a2 c328 92 a2 6f6b a3 61ff62  a1 6b c4 01 ff  a1 78 c3');
    const repaired = repairInvalidUtf8(payload)!;
    assert.deepEqual(strBodies(repaired), [
      Buffer.from('\ufffd(').toString('hex'),
      '6f6b',
      Buffer.from('a\ufffdb').toString('hex'),
      '6b',
      '78',
    ]);
    assert.equal(repaired.subarray(-6).toString('hex'), 'c401ffa178c3'); // the bin and the rest untouched
  });

  it('moves a string to a larger header when its replacement outgrows the format', () => {
    const body = Buffer.concat([Buffer.alloc(30, 0x61), Buffer.from([0xff])]); // 31 bytes: fixstr
    const repaired = repairInvalidUtf8(str(body))!;
    assert.equal(repaired[0], 0xd9); // 33 bytes: str8
    assert.equal(repaired[1], 33);
    assert.equal(repaired.subarray(2).toString('utf8'), `${'a'.repeat(30)}\ufffd`);
  });

  it('gives up on bytes that are not one complete msgpack value (the decoder reports those)', () => {
    assert.equal(repairInvalidUtf8(hex('a3 ff')), undefined);
    assert.equal(repairInvalidUtf8(hex('c1')), undefined);
    assert.equal(repairInvalidUtf8(hex('92 a1 ff')), undefined);
  });

  it('property: every repaired string is valid UTF-8 and reads as TextDecoder reads the original bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { minLength: 1, maxLength: 6 }), (bodies) => {
        const array = Buffer.concat([Buffer.from([0x90 | bodies.length]), ...bodies.map(str)]);
        const repaired = repairInvalidUtf8(array) ?? array;
        const after = strBodies(repaired).map((h) => Buffer.from(h, 'hex'));
        assert.equal(after.length, bodies.length);
        after.forEach((body, i) => {
          assert.ok(isUtf8(body));
          assert.equal(lenient.decode(body), lenient.decode(bodies[i]!));
        });
        assert.equal(
          repairInvalidUtf8(array) === undefined,
          bodies.every((b) => isUtf8(b)),
        );
      }),
      fcParameters({ numRuns: 2000 }), // each run builds and walks a payload; 2,000 cover the header sizes well
    );
  });
});

describe('Codec.decodeValue without the native extractor', () => {
  it('decodes invalid UTF-8 of every length like TextDecoder (msgpackr alone would not below 65 bytes)', () => {
    const script = `
      const { defaultCodec } = await import(${JSON.stringify(new URL('../../../src/protocol/codec.ts', import.meta.url).href)});
      const out = [];
      for (const n of [0, 10, 40, 70]) {
        const body = Buffer.concat([Buffer.alloc(n, 0x61), Buffer.from([0xc3, 0x28])]);
        const header = body.length < 32 ? [0xa0 | body.length] : [0xd9, body.length];
        out.push(defaultCodec.decodeValue(Buffer.concat([Buffer.from([0x81]), Buffer.from(header), body, Buffer.from([0xa1, 0x78])])));
      }
      console.log(JSON.stringify(out));`;
    const env = { ...process.env, MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const expected = [0, 10, 40, 70].map((n) => ({ [`${'a'.repeat(n)}\ufffd(`]: 'x' }));
    assert.deepEqual(JSON.parse(run.stdout.trim()), expected);
  });
});
