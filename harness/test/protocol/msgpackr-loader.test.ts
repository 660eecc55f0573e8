// msgpackr-loader.ts: msgpackr's native string extractor loads on first use, and a failing load falls back
// to TextDecoder without changing a decoded value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { extractOneString } from '../../../src/protocol/msgpackr-loader.js';
import { fcParameters } from '../property/fc-config.js';

const codecUrl = new URL('../../../src/protocol/codec.ts', import.meta.url).href;

/** Runs an ES module snippet under tsx in a fresh Node process and returns what it printed as JSON. */
function runFresh(script: string, nodeArgs: string[] = []): unknown {
  const run = spawnSync(process.execPath, ['--import', 'tsx', ...nodeArgs, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim());
}

/** `body` under the smallest str header, at `offset` inside a larger buffer with junk around it. */
function placed(body: Buffer, offset: number): { buffer: ArrayBuffer; start: number; end: number } {
  const header =
    body.length < 32
      ? [0xa0 | body.length]
      : body.length < 0x100
        ? [0xd9, body.length]
        : body.length < 0x10000
          ? [0xda, body.length >> 8, body.length & 0xff]
          : [0xdb, 0, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff];
  const bytes = Buffer.concat([Buffer.alloc(offset, 0xee), Buffer.from(header), body, Buffer.alloc(7, 0xee)]);
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return { buffer, start: offset, end: offset + header.length + body.length };
}

describe('extractOneString: the fallback when the native extractor cannot load', () => {
  it('decodes any bytes under any str header like TextDecoder, wherever the header sits', () => {
    const lenient = new TextDecoder();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), (body, offset) => {
        const { buffer, start, end } = placed(Buffer.from(body), offset);
        assert.equal(extractOneString(start, end, buffer), lenient.decode(body));
      }),
      fcParameters({ numRuns: 2000 }),
    );
    const big = Buffer.alloc(70_000, 0x41);
    const { buffer, start, end } = placed(big, 3);
    assert.equal(extractOneString(start, end, buffer), big.toString('latin1'));
  });

  it('refuses a string or a header cut short by the end of the payload, as msgpackr does', () => {
    const { buffer, start, end } = placed(Buffer.from('hello'), 2);
    assert.throws(() => extractOneString(start, end - 1, buffer), /Unexpected end of buffer/);
    const str16 = placed(Buffer.alloc(300, 0x61), 0);
    assert.throws(() => extractOneString(0, 2, str16.buffer), /Unexpected end of buffer/);
    assert.throws(() => extractOneString(4, 4, str16.buffer), /Unexpected end of buffer/);
  });
});

describe('the codec loads the native extractor on first use', () => {
  it('loads none for small ASCII messages, the real one for the first long non-ASCII string, and leaves no stand-in behind', () => {
    const seen = runFresh(`
      import { createRequire } from 'node:module';
      const require = createRequire(${JSON.stringify(codecUrl)});
      const { defaultCodec } = await import(${JSON.stringify(codecUrl)});
      const loaded = () => Object.keys(require.cache).some((key) => key.endsWith('.node') && key.includes('msgpackr-extract'));
      const atStart = loaded();
      const small = defaultCodec.decodeValue(defaultCodec.encode({ type: 'call', args: [1, 2], function: 'add' }));
      const afterSmall = loaded();
      const text = 'grüße, '.repeat(40) + '\\u{1F600}';
      const long = defaultCodec.decodeValue(defaultCodec.encode({ text }));
      const invalid = defaultCodec.decodeValue(Buffer.concat([Buffer.from([0x81, 0xa1, 0x73, 0xd9, 202]), Buffer.alloc(200, 0x62), Buffer.from([0xc3, 0x28])]));
      const app = createRequire(require.resolve('msgpackr'))('msgpackr-extract');
      console.log(JSON.stringify({ atStart, afterSmall, afterLong: loaded(), small, same: long.text === text, invalid: invalid.s.slice(198), appNative: String(app.extractStrings).includes('[native code]') }));`);
    assert.deepEqual(seen, {
      atStart: false,
      afterSmall: false,
      afterLong: true,
      small: { type: 'call', args: [1, 2], function: 'add' },
      same: true,
      invalid: 'bb\ufffd(',
      appNative: true,
    });
  });

  it('decodes the same values with TextDecoder when the native binary fails to load', () => {
    // Every native addon load fails in this process, as on a platform with no prebuilt binary.
    const noAddons = `data:text/javascript,process.dlopen = () => { throw new Error("no prebuilt binary here"); };`;
    const script = `
      const { defaultCodec } = await import(${JSON.stringify(codecUrl)});
      const out = [];
      for (const n of [0, 10, 40, 70, 300]) {
        const body = Buffer.concat([Buffer.from('é'.repeat(n)), Buffer.from([0xc3, 0x28])]);
        const header = body.length < 32 ? [0xa0 | body.length] : body.length < 256 ? [0xd9, body.length] : [0xda, body.length >> 8, body.length & 0xff];
        out.push(defaultCodec.decodeValue(Buffer.concat([Buffer.from([0x92]), Buffer.from(header), body, Buffer.from([0xa3, 0x78, 0xc3, 0xa9])])));
      }
      console.log(JSON.stringify(out));`;
    const expected = [0, 10, 40, 70, 300].map((n) => [`${'é'.repeat(n)}\ufffd(`, 'xé']);
    assert.deepEqual(runFresh(script, ['--import', noAddons]), expected);
  });
});
