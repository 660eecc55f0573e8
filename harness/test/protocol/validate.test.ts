import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ErrorCode } from '../../../src/errors.js';
import { Codec } from '../../../src/protocol/codec.js';
import type { CallMessage } from '../../../src/protocol/message.js';
import { createCall } from '../../../src/protocol/messages.js';
import { V3, V4 } from '../../../src/protocol/profile.js';
import { callDefect, decodeMessage, validateMessage } from '../../../src/protocol/validate.js';

const BOTH = [V3, V4];
const base = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  app: V3.app,
  id: 'id-1',
  type: 'shutdown',
  timestamp: 1767225600.25,
  ...overrides,
});

function assertRejected(
  value: unknown,
  reason: DecodeError['reason'],
  field: string | undefined,
  accepted = BOTH,
): DecodeError {
  let caught: unknown;
  assert.throws(
    () => validateMessage(value, accepted),
    (error: unknown) => {
      caught = error;
      return error instanceof DecodeError && error.code === ErrorCode.DECODE;
    },
  );
  const error = caught as DecodeError;
  assert.equal(error.reason, reason, error.message);
  assert.equal(error.field, field);
  return error;
}

describe('validateMessage: core fields (MF-MSG-1, MF-MSG-2, MF-MSG-9)', () => {
  it('accepts a valid message and reports its profile', () => {
    const value = base();
    const { message, profile } = validateMessage(value, BOTH);
    assert.equal(message, value, 'the decoded object itself, not a copy');
    assert.equal(profile, V3);
    assert.equal(validateMessage(base({ app: V4.app }), BOTH).profile, V4);
  });

  it('rejects anything that is not a map as not-a-map (MF-MSG-1)', () => {
    for (const value of [null, 3, 'text', [base()], Buffer.from([1]), true])
      assertRejected(value, 'not-a-map', undefined);
  });

  it('accepts a null-prototype map', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, base());
    assert.equal(validateMessage(value, BOTH).profile, V3);
  });

  it('checks app first: missing, not a string, or not accepted (MF-MSG-6)', () => {
    assertRejected(base({ app: undefined, id: 5 }), 'missing-field', 'app');
    assertRejected(base({ app: null }), 'missing-field', 'app');
    assertRejected(base({ app: 3 }), 'wrong-type', 'app');
    assertRejected(base({ app: 'comlink_ipc_v2' }), 'wrong-app', 'app');
    assertRejected(base({ app: V4.app }), 'wrong-app', 'app', [V3]);
  });

  it('then type: missing, not a string, or unknown (ignored, MF-MSG-5)', () => {
    assertRejected(base({ type: undefined, id: '' }), 'missing-field', 'type');
    assertRejected(base({ type: 7 }), 'wrong-type', 'type');
    const unknown = assertRejected(base({ type: 'telepathy', id: '' }), 'wrong-type', 'type');
    assert.match(unknown.message, /unknown message type "telepathy"/);
  });

  it('then id: missing, nil or empty is missing-field (MF-CALL-2), a non-string is wrong-type (MF-MSG-9)', () => {
    assertRejected(base({ id: undefined }), 'missing-field', 'id');
    assertRejected(base({ id: null }), 'missing-field', 'id');
    const empty = assertRejected(base({ id: '', type: 'call', function: 'add', args: [] }), 'missing-field', 'id');
    assert.match(empty.message, /^call message without an id/);
    assertRejected(base({ id: 42 }), 'wrong-type', 'id');
  });

  it('then timestamp: missing, or not a finite number', () => {
    assertRejected(base({ timestamp: undefined }), 'missing-field', 'timestamp');
    assertRejected(base({ timestamp: '2026' }), 'wrong-type', 'timestamp');
    assertRejected(base({ timestamp: NaN }), 'wrong-type', 'timestamp');
    assert.equal(validateMessage(base({ timestamp: 1767225600 }), BOTH).profile, V3, 'an integer timestamp is fine');
  });

  it('keeps unknown fields (MF-MSG-4)', () => {
    const { message } = validateMessage(base({ extra: { nested: true } }), BOTH);
    assert.deepEqual(message['extra'], { nested: true });
  });
});

describe('validateMessage: CALL is lenient where the child must answer ERROR (MF-CALL-1, MF-CALL-3)', () => {
  it('decodes a CALL without function, so the child can reply ERROR with its id', () => {
    const { message } = validateMessage(base({ type: 'call', args: [] }), BOTH);
    assert.equal(callDefect(message as CallMessage), 'CALL has no function name');
  });

  it('reports wrong-typed function and args through callDefect, not as a decode error', () => {
    const call = (fields: Record<string, unknown>): CallMessage =>
      validateMessage(base({ type: 'call', ...fields }), BOTH).message as CallMessage;
    assert.equal(callDefect(call({ function: null, args: [] })), 'CALL has no function name');
    assert.equal(callDefect(call({ function: 5, args: [] })), 'CALL function name must be a non-empty string');
    assert.equal(callDefect(call({ function: '', args: [] })), 'CALL function name must be a non-empty string');
    assert.equal(callDefect(call({ function: 'add', args: 'nope' })), 'CALL args must be an array');
    assert.equal(callDefect(call({ function: 'add', args: [1] })), undefined);
  });

  it('defaults missing args to an empty array', () => {
    const { message } = validateMessage(base({ type: 'call', function: 'nothing' }), BOTH);
    assert.deepEqual((message as CallMessage).args, []);
  });

  it('accepts clientName as an alias of client_name (MF-MSG-7), client_name winning when both are present', () => {
    const aliased = validateMessage(base({ type: 'call', function: 'f', args: [], clientName: 'py' }), BOTH)
      .message as CallMessage;
    assert.equal(aliased.client_name, 'py');
    const both = validateMessage(
      base({ type: 'call', function: 'f', args: [], client_name: 'wire', clientName: 'alias' }),
      BOTH,
    ).message as CallMessage;
    assert.equal(both.client_name, 'wire');
  });
});

describe('validateMessage: other types', () => {
  it('RESPONSE: a missing result is nil (MF-CALL-6)', () => {
    const { message } = validateMessage(base({ type: 'response' }), BOTH);
    assert.ok('result' in message);
    assert.equal(message['result'], null);
    assert.equal(validateMessage(base({ type: 'response', result: 0 }), BOTH).message['result'], 0);
  });

  it('ERROR: error must be a string; a non-string traceback is dropped', () => {
    assertRejected(base({ type: 'error' }), 'missing-field', 'error');
    assertRejected(base({ type: 'error', error: { text: 'x' } }), 'wrong-type', 'error');
    const { message } = validateMessage(base({ type: 'error', error: 'boom', traceback: 12 }), BOTH);
    assert.equal('traceback' in message, false);
    assert.equal(
      validateMessage(base({ type: 'error', error: 'boom', traceback: 'at x' }), BOTH).message['traceback'],
      'at x',
    );
  });

  it('STDOUT / STDERR: output must be a string', () => {
    assertRejected(base({ type: 'stdout' }), 'missing-field', 'output');
    assertRejected(base({ type: 'stderr', output: 5 }), 'wrong-type', 'output');
    assert.equal(validateMessage(base({ type: 'stderr', output: '' }), BOTH).message['output'], '');
  });

  it('HEARTBEAT: args must be an array and metadata a map, when present', () => {
    assertRejected(base({ type: 'heartbeat', args: 5 }), 'wrong-type', 'args');
    assertRejected(base({ type: 'heartbeat', metadata: [1] }), 'wrong-type', 'metadata');
    assert.equal(validateMessage(base({ type: 'heartbeat' }), BOTH).message.type, 'heartbeat');
    assert.equal(
      validateMessage(base({ type: 'heartbeat', app: V4.app, metadata: { hb_timestamp: 1.5 } }), BOTH).profile,
      V4,
    );
  });
});

describe('decodeMessage: the non-throwing hot path', () => {
  const codec = new Codec({ maxPayloadBytes: 1024 });

  it('decodes and validates a payload', () => {
    const call = createCall(V4, 'id-9', 1767225600.5, 'add', [1, 2], { clientName: 'c' });
    const result = decodeMessage(codec, codec.encode(call), BOTH);
    assert.ok(result.ok);
    assert.deepEqual(result.message, call);
    assert.equal(result.profile, V4);
  });

  it('returns codec failures as results, never throws', () => {
    const cases: Array<[Uint8Array, DecodeError['reason']]> = [
      [Buffer.alloc(2048), 'too-large'],
      [Buffer.from('92', 'hex'), 'not-msgpack'],
      [Buffer.from('c0c0', 'hex'), 'trailing-bytes'],
      [Buffer.from('d40000', 'hex'), 'not-msgpack'],
      [Buffer.from('c0', 'hex'), 'not-a-map'],
      [codec.encode(base({ app: 'other' })), 'wrong-app'],
    ];
    for (const [payload, reason] of cases) {
      const result = decodeMessage(codec, payload, BOTH);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.ok(result.error instanceof DecodeError);
        assert.equal(result.error.reason, reason);
      }
    }
  });

  it('wraps an unexpected failure of a codec into a DecodeError', () => {
    const broken = {
      decodeValue: () => {
        throw new RangeError('boom');
      },
    } as unknown as Codec;
    const result = decodeMessage(broken, Buffer.from('80', 'hex'), BOTH);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.error.reason, 'not-msgpack');
      assert.ok(result.error.cause instanceof RangeError);
    }
    const thrown = {
      decodeValue: () => {
        throw 'a string';
      },
    } as unknown as Codec;
    const second = decodeMessage(thrown, Buffer.from('80', 'hex'), BOTH);
    assert.equal(second.ok, false);
  });
});
