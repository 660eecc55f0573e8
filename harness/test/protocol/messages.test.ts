import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Codec } from '../../../src/protocol/codec.js';
import {
  createCall,
  createError,
  createHeartbeat,
  createHeartbeatEcho,
  createOutput,
  createResponse,
  createShutdown,
} from '../../../src/protocol/messages.js';
import { V3, V4 } from '../../../src/protocol/profile.js';
import { decodeMessage } from '../../../src/protocol/validate.js';

const T = 1767225600.25;

describe('message factories: fields and wire order', () => {
  it('createCall: app, id, type, timestamp, function, args, then the optional fields (MF-CALL-1, MF-MSG-7)', () => {
    const bare = createCall(V3, 'c1', T, 'add', [1, 2]);
    assert.deepEqual(Object.keys(bare), ['app', 'id', 'type', 'timestamp', 'function', 'args']);
    assert.equal(bare.app, 'comlink_ipc_v3');
    const full = createCall(V4, 'c2', T, 'echo', [], { namespace: 'ns', clientName: 'me' });
    assert.deepEqual(Object.keys(full), [
      'app',
      'id',
      'type',
      'timestamp',
      'function',
      'args',
      'namespace',
      'client_name',
    ]);
    assert.equal(full.client_name, 'me');
    assert.equal(full.app, 'comlink_ipc_v4');
  });

  it('createResponse always carries result, undefined becoming null (MF-CALL-6)', () => {
    const nothing = createResponse(V3, 'r', T, undefined);
    assert.deepEqual(Object.keys(nothing), ['app', 'id', 'type', 'timestamp', 'result']);
    assert.equal(nothing.result, null);
    assert.equal(createResponse(V3, 'r', T, 0).result, 0);
  });

  it('createError adds traceback only when given (MF-CALL-8)', () => {
    assert.deepEqual(Object.keys(createError(V3, 'e', T, 'boom')), ['app', 'id', 'type', 'timestamp', 'error']);
    const traced = createError(V3, 'e', T, 'boom', 'at x');
    assert.deepEqual(Object.keys(traced), ['app', 'id', 'type', 'timestamp', 'error', 'traceback']);
    assert.equal(traced.traceback, 'at x');
  });

  it('createOutput uses the stream as the message type (MF-OUT-1)', () => {
    const out = createOutput(V3, 'o', T, 'stderr', 'text');
    assert.equal(out.type, 'stderr');
    assert.deepEqual(Object.keys(out), ['app', 'id', 'type', 'timestamp', 'output']);
  });

  it('createHeartbeat: v3 sends args [epoch ms], v4 metadata.hb_timestamp in seconds (MF-HB-2, MF-HB-3)', () => {
    const v3 = createHeartbeat(V3, 'h', T, 1767225600250);
    assert.deepEqual(v3.args, [1767225600250]);
    assert.deepEqual(Object.keys(v3), ['app', 'id', 'type', 'timestamp', 'args']);
    const v4 = createHeartbeat(V4, 'h', T, 1767225600250);
    assert.deepEqual(v4.metadata, { hb_timestamp: 1767225600.25 });
    assert.deepEqual(Object.keys(v4), ['app', 'id', 'type', 'timestamp', 'metadata']);
  });

  it('createHeartbeatEcho keeps the id and echoes in the given profile (MF-HB-1, MF-PROF-3)', () => {
    const v3 = createHeartbeatEcho(V3, createHeartbeat(V3, 'hb-3', T, 42), T + 1);
    assert.equal(v3.id, 'hb-3');
    assert.deepEqual(v3.args, [42]);
    assert.equal(v3.timestamp, T + 1);
    const v4 = createHeartbeatEcho(V4, createHeartbeat(V4, 'hb-4', T, 1500), T + 1);
    assert.equal(v4.id, 'hb-4');
    assert.deepEqual(v4.metadata, { hb_timestamp: 1.5, hb_response: true });
  });

  it('createShutdown has only the core fields', () => {
    assert.deepEqual(Object.keys(createShutdown(V4, 's', T)), ['app', 'id', 'type', 'timestamp']);
  });

  it('every factory output encodes, decodes and validates to itself in both profiles', () => {
    const codec = new Codec();
    for (const profile of [V3, V4]) {
      const heartbeat = createHeartbeat(profile, 'h', T, 1767225600250);
      const messages = [
        createCall(profile, 'a', T, 'f', [1, 'x', null], { namespace: 'default', clientName: 'c' }),
        createResponse(profile, 'a', T, { ok: true }),
        createError(profile, 'a', T, 'boom', 'trace'),
        createOutput(profile, 'o', T, 'stdout', 'hi\n'),
        heartbeat,
        createHeartbeatEcho(profile, heartbeat, T),
        createShutdown(profile, 's', T),
      ];
      for (const message of messages) {
        const result = decodeMessage(codec, codec.encode(message), [profile]);
        assert.ok(result.ok, `${profile.name} ${message.type}`);
        assert.deepEqual(result.message, message);
        assert.equal(result.profile, profile);
      }
    }
  });
});
