// The catalogue's own support code: the typed msgpack reader/writer the values feature relies on, the World
// parameters the CLI builds, and the traceability check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { defaultCodec } from '../../../src/protocol/codec.js';
import {
  mapFieldBytes,
  readTyped,
  type Typed,
  typedEqual,
  writeTyped,
} from '../../../features/support/typed-msgpack.js';
import { resolveWorldParameters } from '../../../features/support/world-parameters.js';

const vectors = (
  JSON.parse(readFileSync(new URL('../../../fixtures/vectors/values.json', import.meta.url), 'utf8')) as {
    vectors: Array<{ name: string; hex: string; value: Typed }>;
  }
).vectors;

test('typed msgpack: every golden value vector reads to its value and writes to its exact bytes', () => {
  for (const vector of vectors) {
    assert.deepEqual(readTyped(Buffer.from(vector.hex, 'hex')), vector.value, vector.name);
    assert.equal(writeTyped(vector.value).toString('hex'), vector.hex, vector.name);
  }
});

test('typed msgpack: float32 and trailing bytes are told apart, map order is ignored only by typedEqual', () => {
  assert.deepEqual(readTyped(Buffer.from('ca3fc00000', 'hex')), { float: 'float32:3fc00000' });
  assert.throws(() => readTyped(Buffer.from('c0c0', 'hex')), /after the first msgpack value/);
  const ab: Typed = {
    map: [
      ['a', { int: '1' }],
      ['b', { int: '2' }],
    ],
  };
  const ba: Typed = {
    map: [
      ['b', { int: '2' }],
      ['a', { int: '1' }],
    ],
  };
  assert.ok(typedEqual(ab, ba));
  assert.ok(
    !typedEqual(ab, {
      map: [
        ['a', { int: '1' }],
        ['b', { int: '3' }],
      ],
    }),
  );
});

test('typed msgpack: mapFieldBytes returns the exact bytes of one field of a message', () => {
  const payload = defaultCodec.encode({
    app: 'comlink_ipc_v3',
    id: 'x',
    type: 'response',
    timestamp: 1.5,
    result: 128,
  });
  assert.equal(mapFieldBytes(payload, 'result')?.toString('hex'), 'cc80');
  assert.equal(mapFieldBytes(payload, 'missing'), undefined);
});

test('world parameters: defaults, and what cannot run is refused with the field named', () => {
  assert.deepEqual(resolveWorldParameters(undefined), {
    transport: 'memory',
    target: { kind: 'reference' },
    profile: 'v3',
    stepTimeoutMs: 5000,
    methodNames: { style: 'wire' },
  });
  assert.deepEqual(
    resolveWorldParameters({ methodNames: { style: 'pascal' }, capabilities: ['heartbeat'] }).capabilities,
    ['heartbeat'],
  );
  assert.throws(
    () => resolveWorldParameters({ transport: 'memory', target: { kind: 'command', argv: ['python3', 'w.py'] } }),
    /memory transport runs only the reference worker/,
  );
  assert.throws(() => resolveWorldParameters({ profile: 'v5' }), /profile/);
  assert.throws(() => resolveWorldParameters({ transport: 'zmq', target: { kind: 'command', argv: [] } }), /argv/);
  assert.throws(() => resolveWorldParameters({ stepTimeoutMs: 0 }), /stepTimeoutMs/);
});

test('traceability: every MUST clause of the spec has a scenario', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'harness/traceability.ts'], {
    cwd: new URL('../../../', import.meta.url).pathname,
  });
  assert.match(stdout, /coverage: MUST (\d+)\/\1,/);
  assert.match(stdout, /traceability OK/);
});
